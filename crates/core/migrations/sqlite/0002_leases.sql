-- Work is claimed by one process at a time, for a lease it renews while it works. Another
-- process (a second replica, or the next one after a crash) takes the work back only once the
-- lease has run out, so a call still in flight is never made twice.
ALTER TABLE requests ADD COLUMN claimed_by TEXT;
ALTER TABLE requests ADD COLUMN lease_until TEXT;
CREATE INDEX requests_by_lease ON requests(status, lease_until);
ALTER TABLE notifications ADD COLUMN claimed_by TEXT;
ALTER TABLE notifications ADD COLUMN lease_until TEXT;
