-- Skill levels become percentages with two decimals, 0 to 100.
-- integer -> numeric rewrites the table; existing levels (1-10) scale by 10.
ALTER TABLE skills ALTER COLUMN level TYPE numeric(5,2) USING level * 10;
ALTER TABLE skills ADD CONSTRAINT skills_level_percent CHECK (level BETWEEN 0 AND 100);
