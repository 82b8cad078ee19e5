-- Rollups of the 1m candles, computed from the deduplicated rows (ohlcv FINAL) at read time.
-- Why not the seed's materialized view: an MV is an insert trigger on the raw blocks, so a re-delivered or revised
-- candle is counted again (volume doubles, a stale high survives) and ReplacingMergeTree merges never reach it
-- (ClickHouse #36124, #27232, #76110). test/storage/clickhouse-rollups.test.ts shows the seed design double-counting.
-- Views over FINAL are exact under duplicates and revisions and read a year of 1m candles per symbol in milliseconds;
-- if they ever get too slow, the same SELECTs become refreshable MVs (REFRESH EVERY ... APPEND over a recent window).

CREATE VIEW IF NOT EXISTS ohlcv_5m AS
SELECT source, exchange, symbol, toStartOfInterval(ts, INTERVAL 5 MINUTE, 'UTC') AS bucket,
       argMin(open, ts) AS open, max(high) AS high, min(low) AS low, argMax(close, ts) AS close,
       sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(trades) AS trades,
       count() AS candles, countIf(state = 'forming') AS forming, countIf(state = 'revised') AS revised,
       groupBitOr(quality_mask) AS quality_mask, max(revision) AS max_revision
FROM ohlcv FINAL
WHERE timeframe = '1m'
GROUP BY source, exchange, symbol, bucket
-- Candle keys never span partitions (months of ts), so FINAL may merge each partition on its own.
SETTINGS do_not_merge_across_partitions_select_final = 1;

CREATE VIEW IF NOT EXISTS ohlcv_15m AS
SELECT source, exchange, symbol, toStartOfInterval(ts, INTERVAL 15 MINUTE, 'UTC') AS bucket,
       argMin(open, ts) AS open, max(high) AS high, min(low) AS low, argMax(close, ts) AS close,
       sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(trades) AS trades,
       count() AS candles, countIf(state = 'forming') AS forming, countIf(state = 'revised') AS revised,
       groupBitOr(quality_mask) AS quality_mask, max(revision) AS max_revision
FROM ohlcv FINAL
WHERE timeframe = '1m'
GROUP BY source, exchange, symbol, bucket
-- Candle keys never span partitions (months of ts), so FINAL may merge each partition on its own.
SETTINGS do_not_merge_across_partitions_select_final = 1;

CREATE VIEW IF NOT EXISTS ohlcv_1h AS
SELECT source, exchange, symbol, toStartOfInterval(ts, INTERVAL 1 HOUR, 'UTC') AS bucket,
       argMin(open, ts) AS open, max(high) AS high, min(low) AS low, argMax(close, ts) AS close,
       sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(trades) AS trades,
       count() AS candles, countIf(state = 'forming') AS forming, countIf(state = 'revised') AS revised,
       groupBitOr(quality_mask) AS quality_mask, max(revision) AS max_revision
FROM ohlcv FINAL
WHERE timeframe = '1m'
GROUP BY source, exchange, symbol, bucket
-- Candle keys never span partitions (months of ts), so FINAL may merge each partition on its own.
SETTINGS do_not_merge_across_partitions_select_final = 1;

CREATE VIEW IF NOT EXISTS ohlcv_4h AS
SELECT source, exchange, symbol, toStartOfInterval(ts, INTERVAL 4 HOUR, 'UTC') AS bucket,
       argMin(open, ts) AS open, max(high) AS high, min(low) AS low, argMax(close, ts) AS close,
       sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(trades) AS trades,
       count() AS candles, countIf(state = 'forming') AS forming, countIf(state = 'revised') AS revised,
       groupBitOr(quality_mask) AS quality_mask, max(revision) AS max_revision
FROM ohlcv FINAL
WHERE timeframe = '1m'
GROUP BY source, exchange, symbol, bucket
-- Candle keys never span partitions (months of ts), so FINAL may merge each partition on its own.
SETTINGS do_not_merge_across_partitions_select_final = 1;

CREATE VIEW IF NOT EXISTS ohlcv_1d AS
SELECT source, exchange, symbol, toStartOfInterval(ts, INTERVAL 1 DAY, 'UTC') AS bucket,
       argMin(open, ts) AS open, max(high) AS high, min(low) AS low, argMax(close, ts) AS close,
       sum(volume) AS volume, sum(quote_volume) AS quote_volume, sum(trades) AS trades,
       count() AS candles, countIf(state = 'forming') AS forming, countIf(state = 'revised') AS revised,
       groupBitOr(quality_mask) AS quality_mask, max(revision) AS max_revision
FROM ohlcv FINAL
WHERE timeframe = '1m'
GROUP BY source, exchange, symbol, bucket
-- Candle keys never span partitions (months of ts), so FINAL may merge each partition on its own.
SETTINGS do_not_merge_across_partitions_select_final = 1;
