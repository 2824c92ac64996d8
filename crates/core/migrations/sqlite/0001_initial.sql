-- The schema as Portico created it before migrations were versioned. Every statement is
-- IF NOT EXISTS, so a data directory made by that version adopts this history unchanged.

-- The audit trail: append-only (the triggers refuse updates and deletes).
CREATE TABLE IF NOT EXISTS audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    op_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before TEXT,
    after TEXT,
    result TEXT NOT NULL,
    detail TEXT NOT NULL,
    upstream_id TEXT
);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit_events(at);
CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

-- Requests for actions that need approval, their decisions, and queued notifications.
CREATE TABLE IF NOT EXISTS requests (
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
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    uncertain INTEGER NOT NULL DEFAULT 0,
    result TEXT,
    upstream_request_id TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS one_open_request ON requests(dedupe_key)
    WHERE status IN ('pending', 'approved', 'executing');
CREATE INDEX IF NOT EXISTS requests_by_status ON requests(status, next_attempt_at);
CREATE INDEX IF NOT EXISTS requests_by_requester ON requests(requester_sub, created_at);
CREATE INDEX IF NOT EXISTS requests_by_target ON requests(target_id, created_at);
CREATE TABLE IF NOT EXISTS request_decisions (
    request_id TEXT NOT NULL REFERENCES requests(id),
    approver_sub TEXT NOT NULL,
    approver_login TEXT NOT NULL,
    approver_name TEXT NOT NULL,
    stage INTEGER NOT NULL,
    approve INTEGER NOT NULL,
    comment TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (request_id, approver_sub)
);
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
);
