-- Break-glass: a request run at once, without approval, by someone in the configured group,
-- with an after-action review someone else must complete by `review_due_at`.
ALTER TABLE requests ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN review_due_at TEXT;
ALTER TABLE requests ADD COLUMN review_overdue_at TEXT;
ALTER TABLE requests ADD COLUMN reviewed_at TEXT;
ALTER TABLE requests ADD COLUMN reviewer_sub TEXT;
ALTER TABLE requests ADD COLUMN reviewer_login TEXT;
ALTER TABLE requests ADD COLUMN reviewer_name TEXT;
ALTER TABLE requests ADD COLUMN review_sound INTEGER;
ALTER TABLE requests ADD COLUMN review_comment TEXT;
