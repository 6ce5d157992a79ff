-- A viewer with blocks sees commentCount without the comments of the users they are blocked
-- with (storage/post_cards.py): counted per (author, post) by this index, never by reading all
-- of a popular post's comments. Deleting a user's comments (ON DELETE CASCADE) uses it too.
CREATE INDEX comments_author_post_idx ON comments (author_id, post_id);
