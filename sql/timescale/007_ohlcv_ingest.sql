-- Staging table for sinks: ohlcv_ingest. Why: one multi-row `INSERT ... ON CONFLICT DO UPDATE` may not touch a row twice,
-- so a batch holding one candle key twice (two revisions of a candle, a replayed duplicate) was refused as a whole
-- ("cannot affect row a second time") and a sink retried it forever. Sinks (Connect's sql_insert, any plain multi-row
-- INSERT) write here instead; a statement-level trigger removes the staged rows and, in the same statement, upserts
-- the winner of each key under the revision rule of functions/lib/read/rows.ts (highest revision, then closed before
-- forming) into ohlcv with that rule's ON CONFLICT clause (test/pipeline/connect-configs.test.ts checks it is the same
-- text). All inside the inserting statement, set-based; no row stays here.
CREATE TABLE IF NOT EXISTS ohlcv_ingest (LIKE ohlcv INCLUDING DEFAULTS INCLUDING CONSTRAINTS);

CREATE OR REPLACE FUNCTION ohlcv_ingest_upsert() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  -- DELETE ... RETURNING takes exactly what it removes: this statement's rows (other transactions' uncommitted rows are
  -- invisible to it), plus any committed leftover (say, staged while triggers were disabled), which one statement claims.
  -- Rows in key order: every writer locks candle rows in the same order, so concurrent batches wait, never deadlock.
  WITH staged AS (DELETE FROM ohlcv_ingest RETURNING *)
  INSERT INTO ohlcv (source, exchange, symbol, timeframe, ts, open, high, low, close, volume, quote_volume, trades,
                     state, revision, received_at, transport, conversion_type, conversion_symbol, quality_flags,
                     quality_mask, quality_level, gap_before_ms)
  SELECT DISTINCT ON (exchange, symbol, timeframe, ts, source)
         source, exchange, symbol, timeframe, ts, open, high, low, close, volume, quote_volume, trades,
         state, revision, received_at, transport, conversion_type, conversion_symbol, quality_flags,
         quality_mask, quality_level, gap_before_ms
    FROM staged
   ORDER BY exchange, symbol, timeframe, ts, source, revision DESC, (state = 'forming'), (state = 'closed') DESC, received_at DESC
  ON CONFLICT (source, exchange, symbol, timeframe, ts) DO UPDATE SET
    open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume,
    quote_volume = excluded.quote_volume, trades = excluded.trades, state = excluded.state, revision = excluded.revision,
    received_at = excluded.received_at, transport = excluded.transport, conversion_type = excluded.conversion_type,
    conversion_symbol = excluded.conversion_symbol, quality_flags = excluded.quality_flags, quality_mask = excluded.quality_mask,
    quality_level = excluded.quality_level, gap_before_ms = excluded.gap_before_ms, updated_at = now()
  WHERE excluded.revision > ohlcv.revision
     OR (excluded.revision = ohlcv.revision AND ohlcv.state = 'forming' AND excluded.state = 'closed');
  RETURN NULL;
END
$fn$;

CREATE OR REPLACE TRIGGER ohlcv_ingest_upsert AFTER INSERT ON ohlcv_ingest
  FOR EACH STATEMENT EXECUTE FUNCTION ohlcv_ingest_upsert();

-- Roles of 005: sinks write as `writer` (the trigger runs with the inserting role's rights).
GRANT SELECT, INSERT, DELETE ON ohlcv_ingest TO writer;
