-- What a decision rested on: when its maker last signed in (step-up), and whose approval
-- authority it used when a delegate decided for someone away.
ALTER TABLE request_decisions ADD COLUMN signed_in_at TEXT;
ALTER TABLE request_decisions ADD COLUMN for_sub TEXT;
ALTER TABLE request_decisions ADD COLUMN for_login TEXT;
ALTER TABLE request_decisions ADD COLUMN for_name TEXT;
-- Notifications go to a webhook or, one mail per recipient, to people by email.
ALTER TABLE notifications ADD COLUMN channel TEXT NOT NULL DEFAULT 'webhook';
