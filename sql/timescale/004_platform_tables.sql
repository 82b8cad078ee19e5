-- Operational tables beside the candles.

-- Instruments offered per exchange (InstrumentMetadata).
CREATE TABLE IF NOT EXISTS market_metadata (
  exchange   text        NOT NULL,
  symbol     text        NOT NULL,
  base       text        NOT NULL,
  quote      text        NOT NULL,
  base_name  text,
  active     boolean     NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (exchange, symbol)
);

-- Alert rules created by users or agents.
CREATE TABLE IF NOT EXISTS alert_rules (
  id          text        PRIMARY KEY,
  owner       text        NOT NULL,
  exchange    text        NOT NULL,
  symbol      text        NOT NULL,
  timeframe   text        NOT NULL,
  condition   jsonb       NOT NULL,
  frequency   text        NOT NULL DEFAULT 'once_per_bar_close',
  webhook_url text,
  active      boolean     NOT NULL DEFAULT true,
  expires_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS alert_rules_series ON alert_rules (exchange, symbol, timeframe) WHERE active;

-- Fired alerts, signals and system events; `id` is the event's idempotency key.
CREATE TABLE IF NOT EXISTS alert_events (
  id         text        PRIMARY KEY,
  kind       text        NOT NULL CHECK (kind IN ('alert', 'signal', 'system')),
  rule_id    text,
  exchange   text,
  symbol     text,
  timeframe  text,
  severity   text        NOT NULL,
  title      text        NOT NULL,
  message    text        NOT NULL,
  at         timestamptz NOT NULL,
  emitted_at timestamptz NOT NULL,
  payload    jsonb       NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_events_at ON alert_events (at DESC);

-- Missing spans of expected candles (GapMetadata); resolved when backfilled.
CREATE TABLE IF NOT EXISTS gaps (
  exchange    text        NOT NULL,
  symbol      text        NOT NULL,
  timeframe   text        NOT NULL,
  from_ts     timestamptz NOT NULL,
  to_ts       timestamptz NOT NULL,
  reason      text        NOT NULL,
  detected_at timestamptz NOT NULL,
  resolved_at timestamptz,
  PRIMARY KEY (exchange, symbol, timeframe, from_ts)
);

-- Who did what (key management, rule changes, backfills).
CREATE TABLE IF NOT EXISTS audit_log (
  id      bigserial   PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  actor   text        NOT NULL,
  action  text        NOT NULL,
  subject text,
  details jsonb       NOT NULL DEFAULT '{}'
);

-- Dead letters counted by stage and reason per day (the messages themselves stay on the dead-letter topic).
CREATE TABLE IF NOT EXISTS dead_letters (
  stage        text        NOT NULL,
  reason_code  text        NOT NULL,
  day          date        NOT NULL,
  count        bigint      NOT NULL DEFAULT 0,
  last_message text,
  last_at      timestamptz,
  PRIMARY KEY (stage, reason_code, day)
);

-- API keys: only a SHA-256 hash of the key is stored; `prefix` lets a person recognise a key without revealing it.
CREATE TABLE IF NOT EXISTS api_keys (
  id           text        PRIMARY KEY,
  key_hash     text        NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  prefix       text        NOT NULL,
  label        text        NOT NULL,
  scopes       text[]      NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
