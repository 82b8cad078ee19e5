import { expect, it } from 'vitest';
import { createOhlcvWriter, type SqlPort } from '../../functions/lib/read/index.ts';
import { candle, minutes, MINUTE, revise, T0 } from './helpers.ts';

interface RawRow { t: number; close: number; volume: number; state: string; revision: number; flags: string[] }

async function rowsOf(sql: SqlPort, symbol: string): Promise<RawRow[]> {
  const { rows } = await sql.query<RawRow>(
    `SELECT extract(epoch FROM ts) * 1000 AS t, close, volume, state, revision, quality_flags AS flags
       FROM ohlcv WHERE symbol = $1 ORDER BY ts, source`, [symbol],
  );
  return rows.map((r) => ({ ...r, t: Number(r.t) }));
}

/**
 * Writer behaviour that holds on any PostgreSQL with the migrations applied (TimescaleDB or not).
 * `sql` is called lazily because engines start in beforeAll.
 */
export function defineWriterSuite(sql: () => SqlPort): void {
  it('upserting the same batch twice leaves the same rows', async () => {
    const writer = createOhlcvWriter({ timescale: sql() });
    const batch = minutes(T0, 30, { symbol: 'IDEM-USD' });
    await writer.write(batch);
    const first = await rowsOf(sql(), 'IDEM-USD');
    await writer.write(batch);
    const second = await rowsOf(sql(), 'IDEM-USD');
    expect(first).toHaveLength(30);
    expect(second).toEqual(first);
  });

  it('an older revision never overwrites a newer one; forming -> closed at the same revision does', async () => {
    const writer = createOhlcvWriter({ timescale: sql() });
    const base = candle(T0, { symbol: 'REV-USD' });
    const r2 = revise(revise(base));
    await writer.write([r2]);
    await writer.write([base, revise(base)]);
    const [row] = await rowsOf(sql(), 'REV-USD');
    expect(row).toMatchObject({ revision: 2, close: r2.close, volume: r2.volume, state: 'revised' });

    const forming = candle(T0 + MINUTE, { symbol: 'REV-USD', state: 'forming', revision: 3 });
    const closed = { ...forming, state: 'closed' as const, close: forming.close + 5 };
    await writer.write([closed]);
    await writer.write([forming]);
    expect((await rowsOf(sql(), 'REV-USD'))[1]).toMatchObject({ state: 'closed', close: closed.close });
    await writer.write([{ ...forming, state: 'forming', close: 1 }]);
    const stillClosed = (await rowsOf(sql(), 'REV-USD'))[1];
    expect(stillClosed).toMatchObject({ state: 'closed', close: closed.close });

    // Within one batch too: the winner of duplicate keys is chosen by the same rule.
    const inBatch = candle(T0 + 2 * MINUTE, { symbol: 'REV-USD', state: 'forming', revision: 0 });
    await writer.write([revise(inBatch), inBatch, { ...inBatch, state: 'closed' }]);
    expect((await rowsOf(sql(), 'REV-USD'))[2]).toMatchObject({ revision: 1, state: 'revised' });
  });

  it('refuses malformed rows with a clear typed error and keeps the rest of the batch', async () => {
    const writer = createOhlcvWriter({ timescale: sql() });
    const good = minutes(T0, 3, { symbol: 'BAD-USD' });
    const results = await writer.write([good[0], { ...good[1]!, symbol: 'btc/usd', high: -1 }, 'not a candle', good[2]]);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, true]);
    const refused = results[1]!;
    if (refused.ok) throw new Error('expected a refusal');
    expect(refused.error.code).toBe('INVALID_CANDLE');
    expect(refused.error.status).toBe(400);
    expect(refused.error.message).toMatch(/candle #1 refused: .*symbol must be BASE-QUOTE/);
    expect(refused.error.message).toMatch(/high/);
    expect((await rowsOf(sql(), 'BAD-USD')).map((r) => r.t)).toEqual([good[0]!.timestamp, good[2]!.timestamp]);
  });

  it('concurrent writers of overlapping batches converge to the newest revisions', async () => {
    const writer = createOhlcvWriter({ timescale: sql() });
    const base = minutes(T0, 60, { symbol: 'CONC-USD' });
    const versions = [0, 1, 2, 3, 4, 5].map((rev) => base.map((c) => (rev === 0 ? c : { ...revise(c, rev), close: c.close + rev })));
    await Promise.all(versions.reverse().flatMap((batch) => [writer.write(batch), writer.write(batch.slice(10, 40))]));
    const rows = await rowsOf(sql(), 'CONC-USD');
    expect(rows).toHaveLength(60);
    expect(rows.every((r, k) => r.revision === 5 && r.close === base[k]!.close + 5)).toBe(true);
  });

  it('concurrent transactions from several pool clients are isolated and all commit', async () => {
    await sql().query('CREATE TABLE IF NOT EXISTS pool_counter (id int PRIMARY KEY, n int NOT NULL)', []);
    await sql().query('INSERT INTO pool_counter VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET n = 0', []);
    const pool = sql() as SqlPort & { connect(): Promise<SqlPort & { release(): void }> };
    await Promise.all(Array.from({ length: 20 }, async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN', []);
        // Row lock: concurrent increments serialise on a real server; PGlite's server runs one transaction at a time.
        const { rows } = await client.query<{ n: number }>('SELECT n FROM pool_counter WHERE id = 1 FOR UPDATE', []);
        await client.query('UPDATE pool_counter SET n = $1 WHERE id = 1', [rows[0]!.n + 1]);
        await client.query('COMMIT', []);
      } finally {
        client.release();
      }
    }));
    const { rows } = await sql().query<{ n: number }>('SELECT n FROM pool_counter WHERE id = 1', []);
    expect(rows[0]!.n).toBe(20);
  });

  it('a failed transaction rolls back and leaves the pool usable', async () => {
    const pool = sql() as SqlPort & { connect(): Promise<SqlPort & { release(): void }> };
    const client = await pool.connect();
    try {
      await client.query('BEGIN', []);
      await client.query("INSERT INTO audit_log (actor, action) VALUES ('test', 'doomed')", []);
      await expect(client.query('SELECT 1 / 0', [])).rejects.toThrow(/division by zero/);
      await expect(client.query('SELECT 1', [])).rejects.toThrow(/aborted/);
      await client.query('ROLLBACK', []);
    } finally {
      client.release();
    }
    const results = await Promise.all(Array.from({ length: 10 }, (_, k) => sql().query<{ k: number }>('SELECT $1::int AS k', [k])));
    expect(results.map((r) => r.rows[0]!.k)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const { rows } = await sql().query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'doomed'", []);
    expect(rows[0]!.n).toBe(0);
  });
}
