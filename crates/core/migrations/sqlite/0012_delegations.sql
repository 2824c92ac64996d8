-- Out-of-office delegation: an approver names someone to decide for them until a date.
CREATE TABLE delegations (
    id TEXT PRIMARY KEY,
    delegator_sub TEXT NOT NULL,
    delegator_login TEXT NOT NULL,
    delegator_name TEXT NOT NULL,
    delegate_sub TEXT NOT NULL,
    delegate_login TEXT NOT NULL,
    delegate_name TEXT NOT NULL,
    until_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX delegations_in_force ON delegations(until_at) WHERE ended_at IS NULL;
