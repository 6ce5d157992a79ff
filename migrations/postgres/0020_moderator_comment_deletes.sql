-- Moderators delete reported comments through deleteComment: the audit trail keeps each such
-- deletion, naming the comment and its author (no foreign keys: the trail outlives both).
ALTER TABLE moderation_actions ADD COLUMN comment_id bigint;
ALTER TABLE moderation_actions ADD COLUMN comment_author_id bigint;
ALTER TABLE moderation_actions DROP CONSTRAINT moderation_actions_action_check;
ALTER TABLE moderation_actions ADD CONSTRAINT moderation_actions_action_check CHECK (
    action IN ('remove', 'restore', 'dismiss', 'delete_comment')
    AND (action = 'delete_comment') = (comment_id IS NOT NULL)
);
