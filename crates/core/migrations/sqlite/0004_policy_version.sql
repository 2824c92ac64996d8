-- The approval policy a request was routed by (a fingerprint of its rules), so an audit can tell
-- which rules let it be asked for and decided.
ALTER TABLE requests ADD COLUMN policy_version TEXT;
