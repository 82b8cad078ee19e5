import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOhlcvWriter, createReadLayer, mergeCandles, refreshRollups } from '../../functions/lib/read/index.ts';
import { clickHouseRow } from '../../functions/lib/read/rows.ts';
import { TIMEFRAME_MS } from '../../schemas/common.ts';
import { startClickHouse, type ClickHouseEngine } from '../../scripts/engines/clickhouse/index.ts';
import { startTimescale, type TimescaleEngine } from '../../scripts/engines/timescale/index.ts';
import { migrateClickHouse, migrateTimescale, SQL_DIR } from '../../scripts/migrate.ts';
import { close, minutes, MINUTE, revise, T0, tempDir } from './helpers.ts';

let ch: ClickHouseEngine;
let ts: TimescaleEngine;
let client: ClickHouseClient;
let pool: pg.Pool;
const dir = tempDir('ch-rollups');
const DAY = 86_400_000;

beforeAll(async () => {
  [ch, ts] = await Promise.all([
    startClickHouse({ port: 0, dataDir: join(dir.path, 'ch') }),
    startTimescale({ port: 0, dataDir: join(dir.path, 'ts') }),
  ]);
  client = createClient({ url: ch.url });
  pool = new pg.Pool({ connectionString: ts.url, max: 10 });
  await migrateClickHouse(client);
  const c = await pool.connect();
  try {
    await migrateTimescale(c);
  } finally {
    c.release();
  }
});

afterAll(async () => {
  await client?.close();
  await pool?.end();
  await Promise.all([ch?.stop(), ts?.stop()]);
  dir.remove();
});

describe('ClickHouse migrations', () => {
  it('are idempotent, recorded, and refuse a changed applied file', async () => {
    expect(await migrateClickHouse(client)).toEqual({ applied: [], skipped: ['001_ohlcv.sql', '002_rollups.sql'] });
    const rows = await (await client.query({ query: 'SELECT name, checksum FROM schema_migrations FINAL ORDER BY name', format: 'JSONEachRow' })).json<{ name: string; checksum: string }>();
    expect(rows.map((r) => r.name)).toEqual(['001_ohlcv.sql', '002_rollups.sql']);
    const copy = tempDir('ch-migrations');
    try {
      cpSync(join(SQL_DIR, 'clickhouse'), copy.path, { recursive: true });
      writeFileSync(join(copy.path, '002_rollups.sql'), '\n-- edited\n', { flag: 'a' });
      await expect(migrateClickHouse(client, copy.path)).rejects.toMatchObject({ code: 'MIGRATION_CHANGED' });
    } finally {
      copy.remove();
    }
  });
});

describe('rollups under duplicate and revised inserts', () => {
  const start = T0 + 5 * DAY;
  const span = 2 * DAY;
  const batch = minutes(start, span / MINUTE, { symbol: 'DUP-USD' });
  const late = [0, 59, 60, 239, 240, 1439, 1440, 2879].map((k) => revise(batch[k]!));

  beforeAll(async () => {
    const writer = createOhlcvWriter({ timescale: pool, clickhouse: client });
    for (let k = 0; k < batch.length; k += 1000) await writer.write(batch.slice(k, k + 1000));
    // Re-delivery of a whole day, late revisions, then stale copies of the revised candles arriving after them.
    await writer.write(batch.slice(0, 1440));
    await writer.write(late);
    await writer.write(late.map((c) => batch[Math.round((c.timestamp - start) / MINUTE)]!));
    await writer.write(late);
    await refreshRollups(pool, start, start + span);
  });

  it('ClickHouse rollups equal the TimescaleDB continuous aggregates bucket by bucket', async () => {
    const read = createReadLayer({ timescale: pool, clickhouse: client });
    for (const timeframe of ['1m', '5m', '15m', '1h', '4h', '1d'] as const) {
      const report = await read.parity({ exchange: 'cccagg', symbol: 'DUP-USD', timeframe, from: start, to: start + span - 1 });
      expect(report, timeframe).toMatchObject({ buckets: span / TIMEFRAME_MS[timeframe], onlyTimescale: [], onlyClickHouse: [], mismatched: [] });
      expect(report.matched).toBe(report.buckets);
    }
  });

  it('ClickHouse hourly rollup equals a recomputation from the newest revision of each 1m candle', async () => {
    const newest = new Map(batch.map((c) => [c.timestamp, c]));
    for (const c of late) newest.set(c.timestamp, c);
    const expected = mergeCandles([...newest.values()].map((c) => ({
      timestamp: c.timestamp, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, quoteVolume: c.quoteVolume,
      trades: c.trades, state: c.state, revision: c.revision, flags: c.quality.flags, candles: 1,
    })), TIMEFRAME_MS['1h']);
    const rows = await (await client.query({
      query: `SELECT toUnixTimestamp64Milli(toDateTime64(bucket, 3, 'UTC')) AS t, volume, high, close, candles FROM ohlcv_1h
               WHERE symbol = {symbol:String} ORDER BY bucket`,
      query_params: { symbol: 'DUP-USD' },
      format: 'JSONEachRow',
    })).json<{ t: string; volume: number; high: number; close: number; candles: string }>();
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, k) => {
      const e = expected[k]!;
      expect(Number(r.t)).toBe(e.timestamp);
      expect(Number(r.candles)).toBe(60);
      expect(close(r.volume, e.volume) && close(r.high, e.high) && close(r.close, e.close), `bucket ${e.timestamp}`).toBe(true);
    });
  });

  it("the seed's plain materialized view double-counts the same data (why the rollups read ohlcv FINAL)", async () => {
    await client.command({ query: `CREATE TABLE IF NOT EXISTS seed_ohlcv AS ohlcv` });
    await client.command({
      query: `CREATE MATERIALIZED VIEW IF NOT EXISTS seed_ohlcv_daily ENGINE = SummingMergeTree ORDER BY (symbol, exchange, date) AS
              SELECT symbol, exchange, toDate(ts) AS date, sum(volume) AS volume FROM seed_ohlcv GROUP BY symbol, exchange, date`,
    });
    const day1 = batch.slice(0, 1440);
    const send = (rows: typeof day1) => client.insert({ table: 'seed_ohlcv', values: rows.map(clickHouseRow), format: 'JSONEachRow' });
    await send(day1);
    await send(day1);
    await send(late.filter((c) => c.timestamp < start + DAY));
    const seed = await (await client.query({ query: `SELECT sum(volume) AS v FROM seed_ohlcv_daily WHERE symbol = 'DUP-USD'`, format: 'JSONEachRow' })).json<{ v: number }>();
    const ours = await (await client.query({
      query: `SELECT volume AS v FROM ohlcv_1d WHERE symbol = 'DUP-USD' AND bucket = toStartOfDay(fromUnixTimestamp64Milli({start:Int64}, 'UTC'))`,
      query_params: { start },
      format: 'JSONEachRow',
    })).json<{ v: number }>();
    // revise() adds 100 to a candle's volume.
    const truth = day1.reduce((sum, c) => sum + c.volume, 0) + 100 * late.filter((c) => c.timestamp < start + DAY).length;
    expect(close(ours[0]!.v, truth)).toBe(true);
    expect(seed[0]!.v).toBeGreaterThan(2 * truth - 1000);
  });
});
