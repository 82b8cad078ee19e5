-- Rollups of the 1m candles. With TimescaleDB: hierarchical continuous aggregates
--   ohlcv (1m) -> ohlcv_5m, ohlcv_15m, ohlcv_1h;   ohlcv_1h -> ohlcv_4h, ohlcv_1d
-- created WITH NO DATA (filled by the refresh policies in 003 and by explicit refreshes after late data).
-- Without TimescaleDB (plain PostgreSQL): ordinary views with the same names and columns, computed on read.
-- Each row: OHLCV of the bucket, `candles` (1m candles present), `forming`/`revised` counts, OR of quality masks.
DO $do$
DECLARE
  base text := $q$
    SELECT source, exchange, symbol, %1$s AS bucket,
           %2$s AS open, max(high) AS high, min(low) AS low, %3$s AS close,
           sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(trades) AS trades,
           %4$s AS candles, %5$s AS forming, %6$s AS revised, %7$s AS quality_mask, max(%8$s) AS max_revision
      FROM %9$s %10$s
     GROUP BY source, exchange, symbol, %1$s
  $q$;
  ts_enabled boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb');
  spec record;
BEGIN
  FOR spec IN SELECT * FROM (VALUES
      ('ohlcv_5m',  '5 minutes',  'ohlcv',    '1m'),
      ('ohlcv_15m', '15 minutes', 'ohlcv',    '1m'),
      ('ohlcv_1h',  '1 hour',     'ohlcv',    '1m'),
      ('ohlcv_4h',  '4 hours',    'ohlcv_1h', '1h'),
      ('ohlcv_1d',  '1 day',      'ohlcv_1h', '1h')) AS s(name, width, parent, parent_tf)
  LOOP
    CONTINUE WHEN EXISTS (SELECT 1 FROM pg_class WHERE relname = spec.name AND relnamespace = current_schema()::regnamespace);
    IF ts_enabled THEN
      EXECUTE format(
        'CREATE MATERIALIZED VIEW %I WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS %s WITH NO DATA',
        spec.name,
        format(base,
          format('time_bucket(%L, %I)', spec.width, CASE WHEN spec.parent = 'ohlcv' THEN 'ts' ELSE 'bucket' END),
          format('first(open, %I)', CASE WHEN spec.parent = 'ohlcv' THEN 'ts' ELSE 'bucket' END),
          format('last(close, %I)', CASE WHEN spec.parent = 'ohlcv' THEN 'ts' ELSE 'bucket' END),
          CASE WHEN spec.parent = 'ohlcv' THEN 'count(*)' ELSE 'sum(candles)' END,
          CASE WHEN spec.parent = 'ohlcv' THEN 'sum((state = ''forming'')::int)' ELSE 'sum(forming)' END,
          CASE WHEN spec.parent = 'ohlcv' THEN 'sum((state = ''revised'')::int)' ELSE 'sum(revised)' END,
          'bit_or(quality_mask)',
          CASE WHEN spec.parent = 'ohlcv' THEN 'revision' ELSE 'max_revision' END,
          spec.parent,
          CASE WHEN spec.parent = 'ohlcv' THEN 'WHERE timeframe = ''1m''' ELSE '' END));
    ELSE
      EXECUTE format('CREATE VIEW %I AS %s', spec.name,
        format(base,
          format('date_bin(%L, ts, TIMESTAMPTZ ''1970-01-01 00:00:00+00'')', spec.width),
          '(array_agg(open ORDER BY ts))[1]',
          '(array_agg(close ORDER BY ts DESC))[1]',
          'count(*)', 'sum((state = ''forming'')::int)', 'sum((state = ''revised'')::int)', 'bit_or(quality_mask)', 'revision',
          'ohlcv', 'WHERE timeframe = ''1m'''));
    END IF;
  END LOOP;
END $do$;
