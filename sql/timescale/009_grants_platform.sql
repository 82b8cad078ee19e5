-- Grants for what 006-008 added (005 predates them):
-- - the writer role manages alert rules (the MCP rule tools write them; the alerts function reads them);
-- - sinks insert into the staging table ohlcv_ingest, whose trigger deletes what it upserts into ohlcv;
-- - the dead-letter sink inserts rows into dead_letter_events, whose trigger adds to the dead_letters counters.
GRANT SELECT, INSERT, UPDATE, DELETE ON alert_rules TO writer;
GRANT SELECT, INSERT, DELETE ON ohlcv_ingest TO writer;
GRANT SELECT, INSERT ON dead_letter_events TO writer;
GRANT SELECT ON dead_letter_events TO reader;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO writer;
