-- Candles of every timeframe, one row per candle identity (schemas/ohlcv.ts: CandleIdentity + OhlcvMessage).
-- Prices are float8 rather than the seed's decimal(20,8): the contract carries JS numbers, ClickHouse stores Float64,
-- and parity between the stores compares like with like.
-- TimescaleDB is used when the server offers it; on a plain PostgreSQL the table stays a regular table.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
  END IF;
END $$;

CREATE TABLE IF NOT EXISTS ohlcv (
  source          text             NOT NULL,
  exchange        text             NOT NULL,
  symbol          text             NOT NULL,
  timeframe       text             NOT NULL CHECK (timeframe IN ('1m', '5m', '15m', '30m', '1h', '4h', '1d')),
  ts              timestamptz      NOT NULL,
  open            double precision NOT NULL,
  high            double precision NOT NULL,
  low             double precision NOT NULL,
  close           double precision NOT NULL,
  volume          double precision NOT NULL,
  quote_volume    double precision NOT NULL,
  trades          bigint,
  state           text             NOT NULL CHECK (state IN ('forming', 'closed', 'revised')),
  revision        integer          NOT NULL CHECK (revision >= 0),
  received_at     timestamptz      NOT NULL,
  transport       text             NOT NULL,
  conversion_type text             NOT NULL,
  conversion_symbol text           NOT NULL DEFAULT '',
  quality_flags   text[]           NOT NULL DEFAULT '{}',
  -- Bit i set <=> QualityFlag option i present: aggregates OR it, so rollups keep the flags of their candles.
  quality_mask    integer          NOT NULL DEFAULT 0,
  quality_level   text             NOT NULL CHECK (quality_level IN ('high', 'medium', 'low')),
  gap_before_ms   bigint,
  created_at      timestamptz      NOT NULL DEFAULT now(),
  updated_at      timestamptz      NOT NULL DEFAULT now(),
  -- The candle key (source, exchange, symbol, timeframe, ts); column order serves reads by series and time.
  CONSTRAINT ohlcv_candle_key UNIQUE (exchange, symbol, timeframe, ts, source)
);

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    PERFORM create_hypertable('ohlcv', by_range('ts', INTERVAL '7 days'), if_not_exists => TRUE);
  END IF;
END $$;

-- The seed's indexes.
CREATE INDEX IF NOT EXISTS ohlcv_symbol_ts ON ohlcv (symbol, ts DESC);
CREATE INDEX IF NOT EXISTS ohlcv_exchange_ts ON ohlcv (exchange, ts DESC);
