-- Roles (NOLOGIN groups; grant them to login users): writer (sinks, backfill), reader (functions, dashboard),
-- agent_readonly (what MCP tools may read: candles, rollups, metadata, gaps, events; never keys or audit).
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['writer', 'reader', 'agent_readonly'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    END IF;
  END LOOP;
END $$;

GRANT USAGE ON SCHEMA public TO writer, reader, agent_readonly;

GRANT SELECT, INSERT, UPDATE ON ohlcv, market_metadata, gaps, alert_events, dead_letters, audit_log TO writer;
GRANT SELECT ON ohlcv_5m, ohlcv_15m, ohlcv_1h, ohlcv_4h, ohlcv_1d, alert_rules TO writer;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO writer;

GRANT SELECT ON ohlcv, ohlcv_5m, ohlcv_15m, ohlcv_1h, ohlcv_4h, ohlcv_1d, market_metadata, alert_rules, alert_events,
  gaps, dead_letters TO reader;

GRANT SELECT ON ohlcv, ohlcv_5m, ohlcv_15m, ohlcv_1h, ohlcv_4h, ohlcv_1d, market_metadata, gaps, alert_events TO agent_readonly;
