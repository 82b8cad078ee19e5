import pg from 'pg';
import { migrateTimescale } from '../../scripts/migrate.ts';

/** The real PostgreSQL the TimescaleDB-independent suites also run against, when one is reachable. */
export const REAL_PG_ADMIN_URL = process.env.STORAGE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function realPostgresReachable(): Promise<boolean> {
  const probe = new pg.Client({ connectionString: REAL_PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await probe.connect();
    return true;
  } catch {
    return false;
  } finally {
    await probe.end().catch(() => undefined);
  }
}

async function asAdmin(statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: REAL_PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** A fresh database named `name` with the migrations applied; `drop` removes it (for beforeAll / afterAll). */
export function throwawayDatabase(name: string, maxConnections: number): { url: string; pool(): pg.Pool; create(): Promise<void>; drop(): Promise<void> } {
  const url = new URL(REAL_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  let pool: pg.Pool | undefined;
  return {
    url: url.toString(),
    pool: () => {
      if (pool === undefined) throw new Error(`database ${name} is not created yet`);
      return pool;
    },
    async create() {
      await asAdmin(`CREATE DATABASE ${name}`);
      pool = new pg.Pool({ connectionString: url.toString(), max: maxConnections });
      // DROP DATABASE ... WITH (FORCE) in drop() terminates connections pool.end() is still closing.
      pool.on('error', (error: Error & { code?: string }) => {
        if (error.code !== '57P01') throw error;
      });
      const client = await pool.connect();
      try {
        await migrateTimescale(client);
      } finally {
        client.release();
      }
    },
    async drop() {
      await pool?.end();
      await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
