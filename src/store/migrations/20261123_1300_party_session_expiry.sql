-- The hourly retention sweep deletes expired party sessions: by this index it
-- reads only those, not every session.
CREATE INDEX party_sessions_expiry ON party_sessions (expires_at);
