-- A portfolio site: projects with screenshots, and the skills behind them.
CREATE TABLE projects (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug            text         NOT NULL UNIQUE,
    title           text         NOT NULL,
    description     text,
    screenshot_path varchar(500),
    published_at    timestamptz
);

CREATE TABLE skills (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name  text    NOT NULL UNIQUE,
    level integer NOT NULL  -- 1 to 10
);

CREATE TABLE project_skills (
    project_id bigint NOT NULL REFERENCES projects ON DELETE CASCADE,
    skill_id   bigint NOT NULL REFERENCES skills ON DELETE CASCADE,
    PRIMARY KEY (project_id, skill_id)
);

INSERT INTO projects (slug, title, description, screenshot_path, published_at) VALUES
    ('ledger', 'In-database ledger', 'Migrations recorded where they happen.', 'img/ledger.png', '2024-03-01'),
    ('atlas',  'Map of the city',    'A hand-drawn map; semicolons; and all.',  'img/atlas.png',  '2024-06-15');
INSERT INTO skills (name, level) VALUES ('PostgreSQL', 9), ('C++', 8), ('Cartography', 6);
INSERT INTO project_skills
SELECT p.id, s.id FROM projects p, skills s
 WHERE (p.slug, s.name) IN (('ledger', 'PostgreSQL'), ('ledger', 'C++'), ('atlas', 'Cartography'));
