-- Analytical copy of the candles. One row per candle key after merges: ReplacingMergeTree keeps the highest `version`.
-- version = revision * 2 + (state != 'forming'): the same order as the TimescaleDB upsert rule (a newer revision wins;
-- at the same revision a closed candle beats the forming one). Reads that need exact rows use FINAL.
CREATE TABLE IF NOT EXISTS ohlcv (
  source            LowCardinality(String),
  exchange          LowCardinality(String),
  symbol            LowCardinality(String),
  timeframe         LowCardinality(String),
  ts                DateTime64(3, 'UTC'),
  open              Float64,
  high              Float64,
  low               Float64,
  close             Float64,
  volume            Float64,
  quote_volume      Float64,
  trades            Nullable(UInt64),
  state             LowCardinality(String),
  revision          UInt32,
  version           UInt64 MATERIALIZED toUInt64(revision) * 2 + (state != 'forming'),
  received_at       DateTime64(3, 'UTC'),
  transport         LowCardinality(String),
  conversion_type   LowCardinality(String),
  conversion_symbol String,
  quality_flags     Array(LowCardinality(String)),
  quality_mask      UInt32,
  quality_level     LowCardinality(String),
  gap_before_ms     Nullable(UInt64),
  created_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(ts)
ORDER BY (exchange, symbol, timeframe, ts, source);
