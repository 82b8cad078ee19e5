-- Dead letters as rows keyed by a stable identity, so counting is idempotent. Why: the sink used to add 1 to the
-- (stage, reason, day) counter per record, so a replay after a crash counted a letter twice, and it had to write one
-- record per batch (an upsert may not touch the same counter twice in one statement).
-- Now the sink inserts each letter into dead_letter_events with ON CONFLICT (id) DO NOTHING; `id` is the SHA-256 of the
-- envelope's stage, reasonCode, failedAt and original payload, computed here so every writer derives the same one.
-- The per-day counters in dead_letters (read by the MCP data-quality tool and the dashboard) are derived from the rows
-- the statement really inserted (a statement-level trigger over its transition table: replays conflict, are not
-- inserted, so are never counted), grouped per counter, in the same statement. Counts from before this migration stay.

-- convert_to is STABLE only because it could depend on the server encoding, fixed when the database was created.
CREATE OR REPLACE FUNCTION dead_letter_id(stage text, reason_code text, failed_ms bigint, original text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  -- Newline-separated: stage, reason code and the number cannot hold one, so the encoding is unambiguous.
  RETURN encode(sha256(convert_to(stage || E'\n' || reason_code || E'\n' || failed_ms::text || E'\n' || original, 'UTF8')), 'hex');

CREATE TABLE IF NOT EXISTS dead_letter_events (
  id             text        GENERATED ALWAYS AS (dead_letter_id(stage, reason_code, failed_ms, original)) STORED PRIMARY KEY,
  stage          text        NOT NULL,
  reason_code    text        NOT NULL,
  failed_ms      bigint      NOT NULL,
  failed_at      timestamptz GENERATED ALWAYS AS (to_timestamp(failed_ms / 1000.0)) STORED,
  message        text        NOT NULL,
  -- The refused payload as the envelope carried it (JSON text, or the raw text when it was not JSON).
  original       text        NOT NULL,
  original_topic text,
  stored_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS dead_letter_events_failed_at ON dead_letter_events (failed_at DESC);

CREATE OR REPLACE FUNCTION dead_letter_events_count() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  -- One row per counter (GROUP BY), in counter order so concurrent statements lock counters in the same order.
  INSERT INTO dead_letters (stage, reason_code, day, count, last_message, last_at)
  SELECT stage, reason_code, (failed_at AT TIME ZONE 'UTC')::date, count(*),
         (array_agg(message ORDER BY failed_at DESC))[1], max(failed_at)
    FROM inserted
   GROUP BY 1, 2, 3
   ORDER BY 1, 2, 3
  ON CONFLICT (stage, reason_code, day) DO UPDATE SET
    count = dead_letters.count + excluded.count,
    last_message = CASE WHEN dead_letters.last_at IS NULL OR excluded.last_at >= dead_letters.last_at
                        THEN excluded.last_message ELSE dead_letters.last_message END,
    last_at = greatest(dead_letters.last_at, excluded.last_at);
  RETURN NULL;
END
$fn$;

CREATE OR REPLACE TRIGGER dead_letter_events_count AFTER INSERT ON dead_letter_events
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION dead_letter_events_count();

GRANT SELECT, INSERT ON dead_letter_events TO writer;
GRANT SELECT ON dead_letter_events TO reader;
