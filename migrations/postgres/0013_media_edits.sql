-- Edits a post's author asked for, per photo: a filter and a crop. The worker applies them to
-- the variants it writes; the original stays as uploaded.
ALTER TABLE media
    ADD COLUMN filter text NOT NULL DEFAULT 'none' CHECK (filter IN (
        'none', 'clarendon', 'gingham', 'juno', 'lark', 'ludwig', 'moon', 'reyes', 'valencia'
    )),
    -- x, y, width, height as fractions of the upright image; NULL: the whole image.
    ADD COLUMN crop double precision[] CHECK (crop IS NULL OR cardinality(crop) = 4);
