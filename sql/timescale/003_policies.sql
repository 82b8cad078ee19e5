-- Refresh, compression and retention policies (TimescaleDB only; skipped on plain PostgreSQL).
-- Revision horizon: CryptoCompare revises closed 1m candles for up to ~1 day; refresh windows start 3 days back
-- (7 days for the 1h-derived rollups), so late revisions inside the horizon are picked up by the next run.
-- Older corrections need an explicit refresh_continuous_aggregate over their span, finest rollups first
-- (functions/lib/read/refresh.ts: refreshRollups). end_offset = bucket width: only complete buckets materialise;
-- the open bucket is served by real-time aggregation (materialized_only = false).
-- Compression waits 30 days, past the revision horizon, so upserts rarely touch compressed chunks.
-- PGlite has no background workers: the embedded engine runs due jobs itself (scripts/engines/timescale, jobIntervalMs).
DO $$
DECLARE
  p record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    RETURN;
  END IF;
  FOR p IN SELECT * FROM (VALUES
      ('ohlcv_5m',  INTERVAL '3 days', INTERVAL '5 minutes',  INTERVAL '1 minute'),
      ('ohlcv_15m', INTERVAL '3 days', INTERVAL '15 minutes', INTERVAL '1 minute'),
      ('ohlcv_1h',  INTERVAL '3 days', INTERVAL '1 hour',     INTERVAL '5 minutes'),
      ('ohlcv_4h',  INTERVAL '7 days', INTERVAL '4 hours',    INTERVAL '30 minutes'),
      ('ohlcv_1d',  INTERVAL '7 days', INTERVAL '1 day',      INTERVAL '1 hour')) AS s(name, start_offset, end_offset, every)
  LOOP
    PERFORM add_continuous_aggregate_policy(p.name::regclass, start_offset => p.start_offset, end_offset => p.end_offset,
      schedule_interval => p.every, if_not_exists => TRUE);
  END LOOP;

  BEGIN
    ALTER TABLE ohlcv SET (timescaledb.compress, timescaledb.compress_segmentby = 'exchange, symbol, timeframe',
                           timescaledb.compress_orderby = 'ts DESC');
    PERFORM add_compression_policy('ohlcv', compress_after => INTERVAL '30 days', if_not_exists => TRUE);
  EXCEPTION WHEN feature_not_supported OR undefined_function THEN
    RAISE NOTICE 'compression unavailable on this TimescaleDB build: %', SQLERRM;
  END;

  BEGIN
    -- Raw candles for two years; the hourly and daily rollups are kept (refresh windows never reach dropped chunks).
    PERFORM add_retention_policy('ohlcv', drop_after => INTERVAL '730 days', if_not_exists => TRUE);
    PERFORM add_retention_policy('ohlcv_5m', drop_after => INTERVAL '180 days', if_not_exists => TRUE);
    PERFORM add_retention_policy('ohlcv_15m', drop_after => INTERVAL '365 days', if_not_exists => TRUE);
  EXCEPTION WHEN feature_not_supported OR undefined_function THEN
    RAISE NOTICE 'retention policies unavailable on this TimescaleDB build: %', SQLERRM;
  END;
END $$;
