-- Every sign-in to Portico, so a session can be ended from outside the browser that holds it:
-- when the person stops being active in Okta, when Portico deactivates, suspends or clears the
-- sessions of someone, or when an admin ends it. A session lives only while its row is not ended.
CREATE TABLE sign_ins (
    id TEXT PRIMARY KEY,
    sub TEXT NOT NULL,
    login TEXT NOT NULL,
    signed_in_at TEXT NOT NULL,
    ended_at TEXT,
    ended_by TEXT,
    reason TEXT
);
CREATE INDEX sign_ins_by_person ON sign_ins(sub, ended_at);
