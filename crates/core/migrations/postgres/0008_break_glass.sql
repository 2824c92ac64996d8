-- Break-glass: a request run at once, without approval, by someone in the configured group,
-- with an after-action review someone else must complete by `review_due_at`.
ALTER TABLE requests ADD COLUMN break_glass BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE requests ADD COLUMN review_due_at TIMESTAMPTZ;
ALTER TABLE requests ADD COLUMN review_overdue_at TIMESTAMPTZ;
ALTER TABLE requests ADD COLUMN reviewed_at TIMESTAMPTZ;
ALTER TABLE requests ADD COLUMN reviewer_sub TEXT;
ALTER TABLE requests ADD COLUMN reviewer_login TEXT;
ALTER TABLE requests ADD COLUMN reviewer_name TEXT;
ALTER TABLE requests ADD COLUMN review_sound BOOLEAN;
ALTER TABLE requests ADD COLUMN review_comment TEXT;
