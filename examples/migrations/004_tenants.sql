-- The site now serves two audiences.  Every content row gets a tenant; the
-- existing content is kept for the "internal" tenant and duplicated for the
-- "external" one.
BEGIN;

ALTER TABLE projects ADD COLUMN tenant text NOT NULL DEFAULT 'internal'
    CHECK (tenant IN ('internal', 'external'));
ALTER TABLE skills ADD COLUMN tenant text NOT NULL DEFAULT 'internal'
    CHECK (tenant IN ('internal', 'external'));

ALTER TABLE projects DROP CONSTRAINT projects_slug_key;
ALTER TABLE projects ADD CONSTRAINT projects_tenant_slug_key UNIQUE (tenant, slug);
ALTER TABLE skills DROP CONSTRAINT skills_name_key;
ALTER TABLE skills ADD CONSTRAINT skills_tenant_name_key UNIQUE (tenant, name);

INSERT INTO projects (slug, title, description, screenshot_path, published_at, tenant)
SELECT slug, title, description, screenshot_path, published_at, 'external'
  FROM projects WHERE tenant = 'internal';
INSERT INTO skills (name, level, tenant)
SELECT name, level, 'external' FROM skills WHERE tenant = 'internal';

-- Link the copies the way the originals are linked.
INSERT INTO project_skills (project_id, skill_id)
SELECT pe.id, se.id
  FROM project_skills ps
  JOIN projects pi ON pi.id = ps.project_id AND pi.tenant = 'internal'
  JOIN skills   si ON si.id = ps.skill_id   AND si.tenant = 'internal'
  JOIN projects pe ON pe.slug = pi.slug AND pe.tenant = 'external'
  JOIN skills   se ON se.name = si.name AND se.tenant = 'external';

COMMIT;
