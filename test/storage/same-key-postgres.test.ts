import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { migrateTimescale } from '../../scripts/migrate.ts';
import { defineSameKeySuite } from './same-key-suite.ts';

// The same-key suite against a real PostgreSQL without TimescaleDB (fresh database per run), when one runs.
const ADMIN_URL = process.env.STORAGE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(): Promise<boolean> {
  const probe = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await probe.connect();
    return true;
  } catch {
    return false;
  } finally {
    await probe.end().catch(() => undefined);
  }
}

const database = `same_key_${process.pid}_${Date.now()}`;
const url = new URL(ADMIN_URL);
url.pathname = `/${database}`;
let pool: pg.Pool;

describe.runIf(await reachable())('same-key batches on real PostgreSQL', () => {
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
    // DROP DATABASE ... WITH (FORCE) in afterAll terminates connections pool.end() is still closing.
    pool.on('error', (error: Error & { code?: string }) => {
      if (error.code !== '57P01') throw error;
    });
    const client = await pool.connect();
    try {
      await migrateTimescale(client);
    } finally {
      client.release();
    }
  });

  afterAll(async () => {
    await pool?.end();
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  defineSameKeySuite(() => ({ dsn: url.toString(), pool }));
});
