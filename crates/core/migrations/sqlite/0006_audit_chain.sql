-- The audit trail becomes tamper-evident: each event from here on carries the hash of the one
-- before it and its own (SHA-256 over the previous hash and the event's fields), so an edited or
-- removed row breaks the chain where it happened (`portico audit verify` finds it). Events
-- written before this migration stay as they are, outside the chain.
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
