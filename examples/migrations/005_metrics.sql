-- Page views and per-project daily metrics.
CREATE TABLE page_views (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant     text        NOT NULL,
    path       text        NOT NULL,
    viewed_at  timestamptz NOT NULL DEFAULT now(),
    referrer   text
);
CREATE INDEX page_views_tenant_time_idx ON page_views (tenant, viewed_at);

CREATE TABLE project_metrics_daily (
    project_id bigint  NOT NULL REFERENCES projects ON DELETE CASCADE,
    day        date    NOT NULL,
    views      integer NOT NULL DEFAULT 0 CHECK (views >= 0),
    PRIMARY KEY (project_id, day)
);

CREATE FUNCTION record_view(p_tenant text, p_path text) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO page_views (tenant, path) VALUES (p_tenant, p_path);
$$;
