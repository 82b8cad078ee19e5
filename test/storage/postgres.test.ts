import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOhlcvWriter, createReadLayer, mergeCandles } from '../../functions/lib/read/index.ts';
import { TIMEFRAME_MS } from '../../schemas/common.ts';
import { migrateTimescale } from '../../scripts/migrate.ts';
import { close, minutes, revise, T0 } from './helpers.ts';
import { realPostgresReachable, throwawayDatabase } from './real-postgres.ts';
import { defineWriterSuite } from './writer-suite.ts';

// The TimescaleDB-independent suite against a real PostgreSQL (pooling and concurrent writers for real), when one runs.
const db = throwawayDatabase(`storage_test_${process.pid}_${Date.now()}`, 10);

describe.runIf(await realPostgresReachable())('real PostgreSQL (fresh database per run)', () => {
  beforeAll(() => db.create());
  afterAll(() => db.drop());

  it('migrations are idempotent, recorded, and fall back to plain views without TimescaleDB', async () => {
    const client = await db.pool().connect();
    try {
      expect((await migrateTimescale(client)).applied).toEqual([]);
    } finally {
      client.release();
    }
    const { rows } = await db.pool().query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    expect(rows[0]!.n).toBe(9);
    const views = await db.pool().query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.views WHERE table_schema = 'public' AND table_name LIKE 'ohlcv_%' ORDER BY table_name");
    expect(views.rows.map((r) => r.table_name)).toEqual(['ohlcv_15m', 'ohlcv_1d', 'ohlcv_1h', 'ohlcv_4h', 'ohlcv_5m']);
  });

  defineWriterSuite(() => db.pool());

  it('rollup views equal a recomputation from the 1m candles after late revisions', async () => {
    const start = T0 + 86_400_000;
    const batch = minutes(start, 1440, { symbol: 'PGV-USD' });
    const writer = createOhlcvWriter({ timescale: db.pool() });
    await Promise.all([writer.write(batch.slice(0, 720)), writer.write(batch.slice(720))]);
    await writer.write([0, 59, 719, 1439].map((k) => revise(batch[k]!)));
    const read = createReadLayer({ timescale: db.pool(), clickhouse: undefined as never });
    const base = (await read.candles({ exchange: 'cccagg', symbol: 'PGV-USD', timeframe: '1m', from: start, to: start + 86_400_000 - 1 })).candles;
    for (const tf of ['5m', '15m', '1h', '4h', '1d'] as const) {
      const served = await read.candles({ exchange: 'cccagg', symbol: 'PGV-USD', timeframe: tf, from: start, to: start + 86_400_000 - 1 });
      const expected = mergeCandles(base, TIMEFRAME_MS[tf]);
      expect(served.candles.map((c) => [c.timestamp, c.state, c.candles])).toEqual(expected.map((c) => [c.timestamp, c.state, c.candles]));
      served.candles.forEach((c, k) => {
        for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) expect(close(c[f], expected[k]![f]), `${tf} ${f}`).toBe(true);
      });
    }
  });
});
