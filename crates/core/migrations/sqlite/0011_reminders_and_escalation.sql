-- Keeping requests moving: a reminder at half the request's lifetime, and at its deadline an
-- escalation (the policy's rule, kept with the request) instead of a silent expiry.
ALTER TABLE requests ADD COLUMN remind_at TEXT;
ALTER TABLE requests ADD COLUMN reminded_at TEXT;
ALTER TABLE requests ADD COLUMN escalation TEXT;
ALTER TABLE requests ADD COLUMN escalated_at TEXT;
ALTER TABLE requests ADD COLUMN escalated_to TEXT;
