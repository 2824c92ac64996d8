-- Portico's schema on PostgreSQL: the same tables and columns as migrations/sqlite/ (db::tests
-- compares them), in PostgreSQL's own types: real timestamps (timestamptz), booleans, bytes.

-- The audit trail: append-only. Every row change and TRUNCATE is refused by a trigger, whoever
-- the portal's role is; each event carries the hash of the one before it and its own.
CREATE TABLE audit_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    op_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before TEXT,
    after TEXT,
    result TEXT NOT NULL,
    detail TEXT NOT NULL,
    upstream_id TEXT,
    prev_hash TEXT,
    hash TEXT
);
CREATE INDEX audit_by_time ON audit_events(at);
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- Requests for actions that need approval, their decisions, and queued notifications. Work is
-- claimed by one process at a time, for a lease it renews while it works.
CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    target_id TEXT NOT NULL,
    target_label TEXT NOT NULL,
    target_sub TEXT,
    summary TEXT NOT NULL,
    call TEXT NOT NULL,
    reason TEXT NOT NULL,
    requester_sub TEXT NOT NULL,
    requester_login TEXT NOT NULL,
    requester_name TEXT NOT NULL,
    stages TEXT NOT NULL,
    stage INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    uncertain BOOLEAN NOT NULL DEFAULT FALSE,
    result TEXT,
    upstream_request_id TEXT,
    claimed_by TEXT,
    lease_until TIMESTAMPTZ,
    policy_version TEXT
);
CREATE UNIQUE INDEX one_open_request ON requests(dedupe_key)
    WHERE status IN ('pending', 'approved', 'executing');
CREATE INDEX requests_by_status ON requests(status, next_attempt_at);
CREATE INDEX requests_by_requester ON requests(requester_sub, created_at);
CREATE INDEX requests_by_target ON requests(target_id, created_at);
CREATE INDEX requests_by_lease ON requests(status, lease_until);
CREATE TABLE request_decisions (
    request_id TEXT NOT NULL REFERENCES requests(id),
    approver_sub TEXT NOT NULL,
    approver_login TEXT NOT NULL,
    approver_name TEXT NOT NULL,
    stage INTEGER NOT NULL,
    approve BOOLEAN NOT NULL,
    comment TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (request_id, approver_sub)
);
CREATE TABLE notifications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at TIMESTAMPTZ NOT NULL,
    -- 0: waiting (or to be tried again at next_at), 1: delivered, 2: given up.
    done SMALLINT NOT NULL DEFAULT 0,
    claimed_by TEXT,
    lease_until TIMESTAMPTZ
);
-- What an approved call produced that only its requester may see, once, sealed.
CREATE TABLE request_secrets (
    request_id TEXT PRIMARY KEY REFERENCES requests(id),
    sealed BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
-- Every sign-in to Portico; a session lives only while its row is not ended.
CREATE TABLE sign_ins (
    id TEXT PRIMARY KEY,
    sub TEXT NOT NULL,
    login TEXT NOT NULL,
    signed_in_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ,
    ended_by TEXT,
    reason TEXT
);
CREATE INDEX sign_ins_by_person ON sign_ins(sub, ended_at);
