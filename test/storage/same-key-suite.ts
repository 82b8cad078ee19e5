import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOhlcvWriter } from '../../functions/lib/read/index.ts';
import { qualityMask } from '../../functions/lib/read/quality.ts';
import { OHLCV_COLUMNS } from '../../functions/lib/read/rows.ts';
import type { DeadLetter } from '../../schemas/dead-letter.ts';
import type { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { candle, MINUTE, revise, T0 } from './helpers.ts';
import { startSink, type SinkUnderTest } from './sink-batches.ts';

interface Stored { ts: number; state: string; revision: number; close: number; volume: number }

async function stored(pool: pg.Pool, symbol: string): Promise<Stored[]> {
  const { rows } = await pool.query<{ ts: Date; state: string; revision: number; close: number; volume: number }>(
    'SELECT ts, state, revision, close, volume FROM ohlcv WHERE symbol = $1 ORDER BY ts', [symbol]);
  return rows.map((r) => ({ ...r, ts: r.ts.getTime() }));
}

/** One multi-row INSERT into the staging table, the statement shape of Connect's sql_insert. */
async function stageRows(sql: Pick<pg.Pool, 'query'>, rows: readonly OhlcvMessage[]): Promise<void> {
  const n = OHLCV_COLUMNS.length;
  const values = rows.map((_, r) => `(${OHLCV_COLUMNS.map((_, c) => `$${r * n + c + 1}`).join(', ')})`).join(', ');
  const iso = (ms: number): string => new Date(ms).toISOString();
  await sql.query(`INSERT INTO ohlcv_ingest (${OHLCV_COLUMNS.join(', ')}) VALUES ${values}`, rows.flatMap((c) => [
    c.source, c.exchange, c.symbol, c.timeframe, iso(c.timestamp), c.open, c.high, c.low, c.close, c.volume, c.quoteVolume, c.trades,
    c.state, c.revision, iso(c.receivedAt), c.transport, c.conversion.type, c.conversion.symbol, c.quality.flags, qualityMask(c.quality.flags),
    c.quality.level, c.quality.gapBeforeMs ?? null,
  ]));
}

const view = (c: OhlcvMessage): Stored => ({ ts: c.timestamp, state: c.state, revision: c.revision, close: c.close, volume: c.volume });

function letter(reasonCode: string, failedAt: number, original: unknown): DeadLetter {
  return { schemaVersion: 1, stage: 'validate', reasonCode, message: `refused: ${reasonCode}`, original, originalTopic: 'ohlcv-raw', failedAt };
}

/**
 * Batches that hold one candle key (or one dead letter) more than once, through the real sink configs, against a
 * migrated store (`dsn` is what the sinks connect to, `pool` what the assertions read).
 */
export function defineSameKeySuite(store: () => { dsn: string; pool: pg.Pool }): void {
  let candles: SinkUnderTest;
  let letters: SinkUnderTest;

  beforeAll(async () => {
    const env = { TIMESCALE_DSN: store().dsn };
    candles = await startSink('sink-timescale.yaml', env);
    letters = await startSink('sink-dead-letters.yaml', env);
  });

  afterAll(async () => {
    await candles?.stop();
    await letters?.stop();
  });

  it('sink-timescale writes a batch holding revisions and duplicates of one candle: the newest revision wins, in any order', async () => {
    const symbol = 'DUP-USD';
    const [a, b, c] = [0, 1, 2].map((k) => candle(T0 + k * MINUTE, { symbol }));
    const a1 = revise(a!);
    const a2 = revise(a1);
    const bForming = { ...b!, state: 'forming' as const, close: b!.close + 3 };
    // a: rev 2 arrives before rev 0 and rev 1, twice; b: closed before forming at the same revision; c: a plain replay.
    expect(await candles.write([a2, a, a1, bForming, a2, b, c, c])).toBe(200);
    expect(await stored(store().pool, symbol)).toEqual([view(a2), view(b!), view(c!)]);

    // A later batch with older revisions of a, a forming b and a fresh forming d: only d is new.
    const dForming = candle(T0 + 3 * MINUTE, { symbol, state: 'forming' });
    expect(await candles.write([a, a1, bForming, dForming, dForming])).toBe(200);
    expect(await stored(store().pool, symbol)).toEqual([view(a2), view(b!), view(c!), view(dForming)]);

    // Nothing stays staged.
    const { rows } = await store().pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ohlcv_ingest');
    expect(rows[0]!.n).toBe(0);
  });

  it('concurrent staged batches with overlapping keys converge to the newest revisions; rows staged without the trigger are applied by the next batch', async () => {
    const symbol = 'CONC-USD';
    const base = Array.from({ length: 40 }, (_, k) => candle(T0 + k * MINUTE, { symbol }));
    const revisions = [base, base.map((c) => revise(c)), base.map((c) => revise(revise(c))), base.map((c) => revise(c, 3))];
    // Each batch holds every key of two revisions, in a different order per batch.
    const batches = revisions.map((r, i) => [...r, ...revisions[(i + 1) % revisions.length]!].sort((x, y) => ((x.timestamp / MINUTE) * (i + 3)) % 7 - ((y.timestamp / MINUTE) * (i + 3)) % 7));
    const { pool } = store();
    await Promise.all(batches.map((b) => stageRows(pool, b)));
    expect(await stored(pool, symbol)).toEqual(revisions[3]!.map(view));

    const late = candle(T0 + 100 * MINUTE, { symbol });
    const client = await pool.connect();
    try {
      await client.query('ALTER TABLE ohlcv_ingest DISABLE TRIGGER ohlcv_ingest_upsert');
      await stageRows(client, [late]);
      await client.query('ALTER TABLE ohlcv_ingest ENABLE TRIGGER ohlcv_ingest_upsert');
    } finally {
      client.release();
    }
    await stageRows(pool, [revise(base[0]!, 4)]);
    const rows = await stored(pool, symbol);
    expect(rows.at(-1)).toEqual(view(late));
    expect(rows[0]).toEqual(view(revise(base[0]!, 4)));
    expect((await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ohlcv_ingest')).rows[0]!.n).toBe(0);
  });

  it('the writer takes a batch holding one candle key several times and keeps its newest revision', async () => {
    const symbol = 'WDUP-USD';
    const a = candle(T0, { symbol });
    const a1 = revise(a);
    const a2 = revise(a1);
    const results = await createOhlcvWriter({ timescale: store().pool }).write([a1, a2, a, a2, a1]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await stored(store().pool, symbol)).toEqual([view(a2)]);
  });

  it('sink-dead-letters counts each letter once, whether repeated in a batch or replayed after a crash', async () => {
    const day = T0 + 5 * 86_400_000;
    const batch = [
      letter('DL_INVARIANT', day + 1, { symbol: 'BTC-USD', open: -1 }),
      letter('DL_INVARIANT', day + 2, { symbol: 'ETH-USD', open: -1 }),
      letter('DL_INVARIANT', day + 1, { symbol: 'BTC-USD', open: -1 }),
      letter('DL_SCHEMA', day + 3, 'not json'),
    ];
    expect(await letters.write(batch)).toBe(200);
    // The replay: the whole batch again (offsets were not committed), plus one new letter of the same counter.
    expect(await letters.write([...batch, letter('DL_INVARIANT', day + 4, { symbol: 'SOL-USD', open: -1 })])).toBe(200);

    const { rows } = await store().pool.query<{ reason_code: string; day: string; count: string; last_message: string; last_ms: string }>(
      `SELECT reason_code, to_char(day, 'YYYY-MM-DD') AS day, count, last_message, (extract(epoch FROM last_at) * 1000)::bigint AS last_ms
         FROM dead_letters WHERE reason_code LIKE 'DL\\_%' ORDER BY reason_code`);
    const iso = new Date(day).toISOString().slice(0, 10);
    expect(rows.map((r) => [r.reason_code, r.day, Number(r.count), r.last_message, Number(r.last_ms)])).toEqual([
      ['DL_INVARIANT', iso, 3, 'refused: DL_INVARIANT', day + 4],
      ['DL_SCHEMA', iso, 1, 'refused: DL_SCHEMA', day + 3],
    ]);
    const events = await store().pool.query<{ n: number; ids: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM dead_letter_events WHERE reason_code LIKE 'DL\\_%'");
    expect(events.rows[0]).toEqual({ n: 4, ids: 4 });
  });
}
