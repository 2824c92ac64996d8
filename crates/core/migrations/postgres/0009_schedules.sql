-- Scheduled and time-bound work: a request may run at a stated time (`run_at`, given in
-- `zone`), and a time-bound grant stores its own end as a request (`purpose = 'grant_end'`,
-- `parent_id` the grant) the executor runs once when it is due.
ALTER TABLE requests ADD COLUMN run_at TIMESTAMPTZ;
ALTER TABLE requests ADD COLUMN zone TEXT;
ALTER TABLE requests ADD COLUMN purpose TEXT NOT NULL DEFAULT 'action';
ALTER TABLE requests ADD COLUMN parent_id TEXT;
CREATE INDEX requests_scheduled ON requests(run_at) WHERE run_at IS NOT NULL;
-- A playbook's steps (`purpose = 'step'`, `parent_id` the playbook) run in `step` order.
ALTER TABLE requests ADD COLUMN step INTEGER;
