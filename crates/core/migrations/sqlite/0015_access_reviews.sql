-- Access reviews: a campaign and its items (one person's one access each). Times are RFC 3339
-- UTC text (`clock::stamp`), which sorts and compares as time on both backends.
CREATE TABLE review_campaigns (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    scope_of TEXT NOT NULL,
    fallback_group TEXT NOT NULL,
    due_at TEXT NOT NULL,
    -- The next reminder, and every reminder time (a JSON list, soonest first).
    remind_at TEXT,
    reminders TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'open',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    closed_by TEXT,
    closed_at TEXT
);
CREATE TABLE review_items (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES review_campaigns(id),
    seq BIGINT NOT NULL,
    person_id TEXT NOT NULL,
    person_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    target_name TEXT NOT NULL,
    via_id TEXT,
    via_name TEXT,
    context TEXT NOT NULL,
    reviewer_id TEXT NOT NULL,
    reviewer_name TEXT NOT NULL,
    reviewer_why TEXT NOT NULL,
    verdict TEXT,
    comment TEXT NOT NULL DEFAULT '',
    decided_by TEXT,
    decided_at TEXT,
    escalated_at TEXT,
    escalated_from TEXT,
    request_id TEXT
);
CREATE INDEX review_items_by_campaign ON review_items(campaign_id, seq);
CREATE INDEX review_items_by_reviewer ON review_items(reviewer_id);
