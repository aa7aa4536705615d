-- Screenshot paths outgrew 500 characters (CDN URLs with signatures).
-- varchar(500) -> text is binary-coercible: no table rewrite.
ALTER TABLE projects ALTER COLUMN screenshot_path TYPE text;
