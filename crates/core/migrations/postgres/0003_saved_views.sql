-- People-list filters a person named and kept: theirs alone, listed on the people page.
CREATE TABLE saved_views (
    id TEXT PRIMARY KEY,
    owner_sub TEXT NOT NULL,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (owner_sub, name)
);
