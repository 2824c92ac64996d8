-- Bulk jobs: one action over many people. A job is planned first (a draft: what each item would
-- do, shown as the preview), then started; each item is claimed with a lease and run once.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    summary TEXT NOT NULL,
    source TEXT NOT NULL,
    author_sub TEXT NOT NULL,
    author_login TEXT NOT NULL,
    author_name TEXT NOT NULL,
    status TEXT NOT NULL,
    request_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX jobs_by_author ON jobs (author_sub, created_at);

CREATE TABLE job_items (
    id BIGSERIAL PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs (id),
    seq INTEGER NOT NULL,
    target_id TEXT NOT NULL,
    target_label TEXT NOT NULL,
    target_sub TEXT,
    name TEXT NOT NULL,
    call TEXT,
    plan TEXT NOT NULL,
    plan_note TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT,
    upstream_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    uncertain BOOLEAN NOT NULL DEFAULT FALSE,
    next_at TIMESTAMPTZ,
    claimed_by TEXT,
    lease_until TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    UNIQUE (job_id, seq)
);
CREATE INDEX job_items_due ON job_items (status, next_at);
