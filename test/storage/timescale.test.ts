import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOhlcvWriter, createReadLayer, mergeCandles, refreshRollups, type StoredCandle } from '../../functions/lib/read/index.ts';
import { TIMEFRAME_MS } from '../../schemas/common.ts';
import { startTimescale, type TimescaleEngine } from '../../scripts/engines/timescale/index.ts';
import { migrateTimescale, SQL_DIR } from '../../scripts/migrate.ts';
import { close, minutes, MINUTE, revise, T0, tempDir } from './helpers.ts';
import { defineWriterSuite } from './writer-suite.ts';

let engine: TimescaleEngine;
let pool: pg.Pool;
const dir = tempDir('ts-store');

beforeAll(async () => {
  engine = await startTimescale({ port: 0, dataDir: join(dir.path, 'pgdata') });
  pool = new pg.Pool({ connectionString: engine.url, max: 10 });
  const client = await pool.connect();
  try {
    await migrateTimescale(client);
  } finally {
    client.release();
  }
});

afterAll(async () => {
  await pool?.end();
  await engine?.stop();
  dir.remove();
});

describe('migrations on PGlite + TimescaleDB', () => {
  it('are idempotent and recorded with checksums', async () => {
    const client = await pool.connect();
    try {
      const again = await migrateTimescale(client);
      expect(again.applied).toEqual([]);
      expect(again.skipped).toEqual(['001_ohlcv.sql', '002_rollups.sql', '003_policies.sql', '004_platform_tables.sql', '005_roles.sql', '006_alert_rules_mcp.sql', '007_ohlcv_ingest.sql', '008_dead_letter_events.sql', '009_grants_platform.sql']);
    } finally {
      client.release();
    }
    const { rows } = await pool.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toHaveLength(9);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
  });

  it('refuse a migration file changed after it was applied', async () => {
    const copy = tempDir('ts-migrations');
    try {
      cpSync(join(SQL_DIR, 'timescale'), copy.path, { recursive: true });
      writeFileSync(join(copy.path, '004_platform_tables.sql'), '-- edited\n', { flag: 'a' });
      const client = await pool.connect();
      try {
        await expect(migrateTimescale(client, copy.path)).rejects.toMatchObject({ code: 'MIGRATION_CHANGED' });
      } finally {
        client.release();
      }
    } finally {
      copy.remove();
    }
  });

  it('create the hypertable, hierarchical continuous aggregates, policies, tables and roles', async () => {
    const caggs = await pool.query<{ view_name: string; source: string }>(
      `SELECT view_name, (SELECT h.hypertable_name FROM timescaledb_information.hypertables h LIMIT 0) AS source
         FROM timescaledb_information.continuous_aggregates ORDER BY view_name`);
    expect(caggs.rows.map((r) => r.view_name)).toEqual(['ohlcv_15m', 'ohlcv_1d', 'ohlcv_1h', 'ohlcv_4h', 'ohlcv_5m']);
    const jobs = await pool.query<{ proc_name: string; n: number }>(
      'SELECT proc_name, count(*)::int AS n FROM timescaledb_information.jobs WHERE job_id >= 1000 GROUP BY proc_name ORDER BY proc_name');
    expect(jobs.rows).toEqual([
      { proc_name: 'policy_compression', n: 1 },
      { proc_name: 'policy_refresh_continuous_aggregate', n: 5 },
      { proc_name: 'policy_retention', n: 3 },
    ]);
    const tables = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('market_metadata', 'alert_rules', 'alert_events', 'gaps', 'audit_log', 'dead_letters', 'api_keys')`);
    expect(tables.rows[0]!.n).toBe(7);
    const grants = await pool.query<{ grantee: string; table_name: string }>(
      `SELECT grantee, table_name FROM information_schema.role_table_grants
        WHERE grantee = 'agent_readonly' AND privilege_type = 'SELECT' ORDER BY table_name`);
    expect(grants.rows.map((r) => r.table_name)).toContain('ohlcv_1h');
    expect(grants.rows.map((r) => r.table_name)).not.toContain('api_keys');
    const writerMay = await pool.query<{ rules: boolean; staging: boolean; letters: boolean; keys: boolean }>(
      `SELECT has_table_privilege('writer', 'alert_rules', 'INSERT, UPDATE, DELETE') AS rules,
              has_table_privilege('writer', 'ohlcv_ingest', 'INSERT, DELETE') AS staging,
              has_table_privilege('writer', 'dead_letter_events', 'INSERT') AS letters,
              has_table_privilege('writer', 'api_keys', 'SELECT') AS keys`);
    expect(writerMay.rows[0]).toEqual({ rules: true, staging: true, letters: true, keys: false });
  });
});

describe('writer over the PGlite wire server', () => {
  defineWriterSuite(() => pool);
});

describe('continuous aggregates under late revisions', () => {
  const DAY = 86_400_000;
  const start = T0 + 10 * DAY;
  const span = 2 * DAY;

  async function raw1m(): Promise<StoredCandle[]> {
    const read = createReadLayer({ timescale: pool, clickhouse: undefined as never });
    return (await read.candles({ exchange: 'cccagg', symbol: 'AGG-USD', timeframe: '1m', from: start, to: start + span })).candles;
  }

  async function expectRollupsMatch1m(): Promise<void> {
    const base = await raw1m();
    const read = createReadLayer({ timescale: pool, clickhouse: undefined as never });
    for (const tf of ['5m', '15m', '1h', '4h', '1d'] as const) {
      const served = await read.candles({ exchange: 'cccagg', symbol: 'AGG-USD', timeframe: tf, from: start, to: start + span - 1 });
      expect(served.servedFrom).toBe(`ohlcv_${tf}`);
      const expected = mergeCandles(base, TIMEFRAME_MS[tf]);
      expect(served.candles.length, tf).toBe(expected.length);
      served.candles.forEach((c, k) => {
        const e = expected[k]!;
        expect({ tf, t: c.timestamp, state: c.state, revision: c.revision, candles: c.candles, flags: [...c.flags].sort() })
          .toEqual({ tf, t: e.timestamp, state: e.state, revision: e.revision, candles: e.candles, flags: [...e.flags].sort() });
        for (const f of ['open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades'] as const) {
          expect(close(c[f] ?? 0, e[f] ?? 0), `${tf} ${c.timestamp} ${f}: ${c[f]} vs ${e[f]}`).toBe(true);
        }
      });
    }
  }

  it('every rollup equals a recomputation from the 1m candles after late revisions and a refresh', async () => {
    const writer = createOhlcvWriter({ timescale: pool });
    const batch = minutes(start, span / MINUTE, { symbol: 'AGG-USD' });
    for (let k = 0; k < batch.length; k += 1000) await writer.write(batch.slice(k, k + 1000));
    await refreshRollups(pool, start, start + span);
    await expectRollupsMatch1m();

    // Late revisions everywhere (first/last minute of buckets included), plus a stale duplicate that must not win.
    const late = [0, 59, 60, 239, 240, 719, 1439, 1440, 2000, 2879].map((k) => revise(batch[k]!));
    await writer.write(late);
    await writer.write([batch[0]!, batch[2879]!]);
    // Until a refresh runs, materialised buckets still hold the old minute (why late data needs refreshRollups).
    const stale = await createReadLayer({ timescale: pool, clickhouse: undefined as never })
      .candles({ exchange: 'cccagg', symbol: 'AGG-USD', timeframe: '1h', from: start, to: start });
    expect(stale.candles[0]!.volume).toBeCloseTo(batch.slice(0, 60).reduce((sum, c) => sum + c.volume, 0));
    await refreshRollups(pool, start, start + span);
    await expectRollupsMatch1m();
    const day = await createReadLayer({ timescale: pool, clickhouse: undefined as never })
      .candles({ exchange: 'cccagg', symbol: 'AGG-USD', timeframe: '1d', from: start, to: start });
    expect(day.candles[0]).toMatchObject({ state: 'revised', revision: 1, candles: 1440 });
    expect(day.candles[0]!.flags).toContain('late_revision');
  });
});

describe('read layer on TimescaleDB', () => {
  const DAY = 86_400_000;
  const start = T0 + 40 * DAY;

  beforeAll(async () => {
    const writer = createOhlcvWriter({ timescale: pool });
    // Three days of minutes with a hole of 30 minutes on day two and a forming last candle.
    const all = minutes(start, 3 * 1440, { symbol: 'READ-USD' }).filter((c) => c.timestamp < start + DAY + 100 * MINUTE || c.timestamp >= start + DAY + 130 * MINUTE);
    all[all.length - 1] = { ...all[all.length - 1]!, state: 'forming' };
    for (let k = 0; k < all.length; k += 1000) await writer.write(all.slice(k, k + 1000));
    await writer.write(minutes(start, 10, { symbol: 'ETH-USD', exchange: 'coinbase' }));
    await refreshRollups(pool, start, start + 3 * DAY);
  });

  it('candles: raw 1m, downsampled from a rollup to at most maxPoints with OHLC-correct merging', async () => {
    const read = createReadLayer({ timescale: pool, clickhouse: undefined as never });
    const raw = await read.candles({ exchange: 'cccagg', symbol: 'READ-USD', timeframe: '1m', from: start, to: start + 3 * DAY - 1 });
    expect(raw.servedFrom).toBe('ohlcv');
    expect(raw.candles).toHaveLength(3 * 1440 - 30);
    const small = await read.candles({ exchange: 'cccagg', symbol: 'READ-USD', timeframe: '1m', from: start, to: start + 3 * DAY - 1, maxPoints: 50 });
    expect(small.downsampled).toBe(true);
    expect(small.candles.length).toBeLessThanOrEqual(50);
    expect(small.servedFrom).toMatch(/^ohlcv_/);
    const expected = mergeCandles(raw.candles, small.bucketMs);
    expect(small.candles.map((c) => [c.timestamp, c.open, c.high, c.low, c.close, c.state]))
      .toEqual(expected.map((c) => [c.timestamp, c.open, c.high, c.low, c.close, c.state]));
    expect(small.candles.at(-1)!.state).toBe('forming');
  });

  it('latest: newest 1m candle per symbol with state and flags', async () => {
    const read = createReadLayer({ timescale: pool, clickhouse: undefined as never });
    const latest = await read.latest({ symbols: ['READ-USD', 'ETH-USD', 'NONE-USD'] });
    expect(latest.map((l) => [l.symbol, l.exchange, l.timestamp, l.state])).toEqual([
      ['READ-USD', 'cccagg', start + 3 * DAY - MINUTE, 'forming'],
      ['ETH-USD', 'coinbase', start + 9 * MINUTE, 'closed'],
    ]);
  });

  it('coverage and gaps per symbol/timeframe', async () => {
    const read = createReadLayer({ timescale: pool, clickhouse: undefined as never });
    const [coverage] = await read.coverage({ exchange: 'cccagg', symbol: 'READ-USD', timeframe: '1m' });
    expect(coverage).toMatchObject({ first: start, last: start + 3 * DAY - MINUTE, candles: 3 * 1440 - 30, expected: 3 * 1440 });
    const gaps = await read.gaps({ exchange: 'cccagg', symbol: 'READ-USD', timeframe: '1m', from: start - 5 * MINUTE, to: start + 3 * DAY + 2 * MINUTE });
    expect(gaps).toEqual([
      { from: start - 5 * MINUTE, to: start - MINUTE, buckets: 5 },
      { from: start + DAY + 100 * MINUTE, to: start + DAY + 129 * MINUTE, buckets: 30 },
      { from: start + 3 * DAY, to: start + 3 * DAY + 2 * MINUTE, buckets: 3 },
    ]);
    const hourly = await read.coverage({ symbol: 'READ-USD', timeframe: '1h' });
    expect(hourly[0]).toMatchObject({ candles: 72, expected: 72, completeness: 1 });
  });

  it('rejects an invalid query with a typed error', async () => {
    const read = createReadLayer({ timescale: pool, clickhouse: undefined as never });
    await expect(read.candles({ exchange: 'cccagg', symbol: 'btc', timeframe: '1m', from: 2, to: 1 })).rejects.toMatchObject({ code: 'INVALID_QUERY', status: 400 });
  });
});

describe('PGlite wire server', () => {
  it('serves concurrent queries from a pool of 10 and keeps data across a restart', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, k) => pool.query<{ k: number }>('SELECT $1::int * 2 AS k, pg_sleep(0)', [k])));
    expect(answers.map((a) => a.rows[0]!.k)).toEqual(Array.from({ length: 50 }, (_, k) => k * 2));
    await pool.query("INSERT INTO audit_log (actor, action) VALUES ('test', 'persisted')");
    await pool.end();
    await engine.stop();
    engine = await startTimescale({ port: 0, dataDir: join(dir.path, 'pgdata'), jobIntervalMs: 100 });
    pool = new pg.Pool({ connectionString: engine.url, max: 10 });
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'persisted'");
    expect(rows[0]!.n).toBe(1);
  });

  it('runs due policy jobs itself (PGlite has no background workers): a refresh policy materialises recent candles', async () => {
    const recent = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
    await createOhlcvWriter({ timescale: pool }).write(minutes(recent, 60, { symbol: 'JOB-USD' }));
    const watermark = (): Promise<number> => pool.query<{ w: number }>(
      `SELECT _timescaledb_functions.cagg_watermark(mat_hypertable_id) / 1000 AS w
         FROM _timescaledb_catalog.continuous_agg WHERE user_view_name = 'ohlcv_1h'`).then((r) => Number(r.rows[0]!.w));
    // Wait for the scheduler's next pass (bounded by the test timeout, not asserted on time).
    while ((await watermark()) <= recent) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await watermark()).toBeGreaterThan(recent);
  });
});
