-- What each upstream's rate-limit headers last said per bucket, so every process on this
-- database paces its calls by one budget. One row per (upstream, bucket); newer observations
-- replace older ones.
CREATE TABLE rate_limits (
    upstream TEXT NOT NULL,
    bucket TEXT NOT NULL,
    "limit" INTEGER NOT NULL,
    remaining INTEGER NOT NULL,
    reset_at TEXT NOT NULL,
    observed_at TEXT NOT NULL,
    PRIMARY KEY (upstream, bucket)
);
