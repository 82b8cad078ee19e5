import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouse, type ClickHouseEngine } from '../../scripts/engines/clickhouse/index.ts';
import { startTimescale, type TimescaleEngine } from '../../scripts/engines/timescale/index.ts';
import { migrateClickHouse, migrateTimescale } from '../../scripts/migrate.ts';
import { candle, revise, T0, tempDir } from './helpers.ts';
import { startSink } from './sink-batches.ts';
import { defineSameKeySuite } from './same-key-suite.ts';

// Batches holding one key twice through the real sink configs: embedded TimescaleDB and ClickHouse here,
// plain PostgreSQL in same-key-postgres.test.ts.
const dir = tempDir('same-key');
let timescale: TimescaleEngine;
let pool: pg.Pool;
let clickhouse: ClickHouseEngine;
let ch: ClickHouseClient;

beforeAll(async () => {
  [timescale, clickhouse] = await Promise.all([
    startTimescale({ port: 0, dataDir: join(dir.path, 'pgdata') }),
    startClickHouse({ port: 0, dataDir: join(dir.path, 'chdata') }),
  ]);
  pool = new pg.Pool({ connectionString: timescale.url, max: 4 });
  const client = await pool.connect();
  try {
    await migrateTimescale(client);
  } finally {
    client.release();
  }
  ch = createClient({ url: clickhouse.url });
  await migrateClickHouse(ch);
});

afterAll(async () => {
  await pool?.end();
  await ch?.close();
  await timescale?.stop();
  await clickhouse?.stop();
  dir.remove();
});

describe('same-key batches on PGlite + TimescaleDB', () => {
  defineSameKeySuite(() => ({ dsn: timescale.url, pool }));
});

describe('same-key batches on ClickHouse', () => {
  it('sink-clickhouse inserts revisions and duplicates of one candle in one batch; FINAL keeps the newest revision', async () => {
    const sink = await startSink('sink-clickhouse.yaml', { CLICKHOUSE_DSN: clickhouse.url });
    try {
      const a = candle(T0, { symbol: 'DUP-USD' });
      const a1 = revise(a);
      const a2 = revise(a1);
      const b = candle(T0 + 60_000, { symbol: 'DUP-USD' });
      const bForming = { ...b, state: 'forming' as const, close: b.close + 3 };
      expect(await sink.write([a2, a, a1, bForming, a2, b, b])).toBe(200);
      expect(await sink.write([a, a1, bForming])).toBe(200);
      const rs = await ch.query({
        query: "SELECT toUnixTimestamp64Milli(ts) AS ts, state, revision, close FROM ohlcv FINAL WHERE symbol = 'DUP-USD' ORDER BY ts",
        format: 'JSONEachRow',
      });
      const rows = (await rs.json<{ ts: string | number; state: string; revision: number; close: number }>()).map((r) => ({ ...r, ts: Number(r.ts) }));
      expect(rows).toEqual([a2, b].map((c) => ({ ts: c.timestamp, state: c.state, revision: c.revision, close: c.close })));
    } finally {
      await sink.stop();
    }
  });
});
