-- Request counts need no WAL: a crash or failover that forgets the current minute's counts is harmless.
ALTER TABLE rate_limits SET UNLOGGED;
-- Keys idle past their window are pruned with the expired sessions (src/store/postgres/retention.ts).
CREATE INDEX rate_limits_by_window ON rate_limits (window_start);
