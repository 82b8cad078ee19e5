import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTimescale, type TimescaleEngine } from '../../scripts/engines/timescale/index.ts';

describe('embedded TimescaleDB housekeeping', () => {
  let dir: string;
  let engine: TimescaleEngine;
  let pool: pg.Pool;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts-vacuum-'));
    engine = await startTimescale({ dataDir: dir, jobIntervalMs: 200, vacuumTables: ['churn'], vacuumEveryMs: 200 });
    pool = new pg.Pool({ connectionString: engine.url, max: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await engine?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('vacuums the churning tables, as autovacuum would (PGlite has none): deleted rows stop taking disk space', async () => {
    await pool.query('CREATE TABLE churn (id int PRIMARY KEY, payload text)');
    await pool.query("INSERT INTO churn SELECT g, repeat('x', 100) FROM generate_series(1, 5000) g");
    await pool.query('DELETE FROM churn');
    const size = async (): Promise<number> => Number((await pool.query<{ n: string }>("SELECT pg_relation_size('churn') AS n")).rows[0]?.n);
    expect(await size()).toBeGreaterThan(100_000);
    let bytes = await size();
    for (let i = 0; i < 300 && bytes !== 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      bytes = await size();
    }
    expect(bytes).toBe(0);
    const vacuumed = await pool.query<{ n: string }>("SELECT vacuum_count AS n FROM pg_stat_user_tables WHERE relname = 'churn'");
    expect(Number(vacuumed.rows[0]?.n)).toBeGreaterThan(0);
  });
});
