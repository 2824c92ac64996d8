-- What an approved call produced that only its requester may see, once (a temporary password),
-- sealed with the portal's secret key. Deleted when shown, or a day after it was made.
CREATE TABLE request_secrets (
    request_id TEXT PRIMARY KEY REFERENCES requests(id),
    sealed BLOB NOT NULL,
    created_at TEXT NOT NULL
);
