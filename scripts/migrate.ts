import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import pg from 'pg';
import { AppError, redact } from '../functions/lib/errors.ts';
import { clickHouseConfig } from './lib/stores.ts';

export const SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  skipped: string[];
}

/** `NNN_name.sql` files of a folder in name order, each with the SHA-256 of its text. */
export function loadMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** Fails when an applied migration's file changed since: applied migrations are immutable, add a new file instead. */
function assertUnchanged(m: Migration, appliedChecksum: string | undefined, store: string): boolean {
  if (appliedChecksum === undefined) return false;
  if (appliedChecksum !== m.checksum) {
    throw new AppError('MIGRATION_CHANGED', `${store} migration ${m.name} was changed after it was applied: restore it and add a new migration instead`, {
      details: { name: m.name, applied: appliedChecksum, file: m.checksum },
    });
  }
  return true;
}

type SqlClient = Pick<pg.PoolClient, 'query'>;

/** Applies pending TimescaleDB/PostgreSQL migrations in order, each in its own transaction with its record. */
export async function migrateTimescale(client: SqlClient, dir = join(SQL_DIR, 'timescale')): Promise<MigrationReport> {
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  // One migrator at a time per database (a second `npm run migrate` waits here).
  await client.query('SELECT pg_advisory_lock(727274)');
  try {
    const applied = new Map((await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations')).rows.map((r) => [r.name, r.checksum]));
    const report: MigrationReport = { applied: [], skipped: [] };
    for (const m of loadMigrations(dir)) {
      if (assertUnchanged(m, applied.get(m.name), 'timescale')) {
        report.skipped.push(m.name);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new AppError('MIGRATION_FAILED', `timescale migration ${m.name} failed: ${(error as Error).message}`, { cause: error });
      }
      report.applied.push(m.name);
    }
    return report;
  } finally {
    await client.query('SELECT pg_advisory_unlock(727274)');
  }
}

/** Statements of a ClickHouse migration file (the HTTP interface runs one per request): split at `;` ending a line. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.split('\n').filter((line) => !line.trim().startsWith('--')).join('\n').trim())
    .filter((s) => s.length > 0);
}

/** Applies pending ClickHouse migrations in order (statements are idempotent: CREATE ... IF NOT EXISTS). */
export async function migrateClickHouse(client: ClickHouseClient, dir = join(SQL_DIR, 'clickhouse')): Promise<MigrationReport> {
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS schema_migrations (name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
            ENGINE = ReplacingMergeTree(applied_at) ORDER BY name`,
  });
  const rows = await (await client.query({ query: 'SELECT name, checksum FROM schema_migrations FINAL', format: 'JSONEachRow' })).json<{ name: string; checksum: string }>();
  const applied = new Map(rows.map((r) => [r.name, r.checksum]));
  const report: MigrationReport = { applied: [], skipped: [] };
  for (const m of loadMigrations(dir)) {
    if (assertUnchanged(m, applied.get(m.name), 'clickhouse')) {
      report.skipped.push(m.name);
      continue;
    }
    for (const statement of splitStatements(m.sql)) {
      try {
        await client.command({ query: statement });
      } catch (error) {
        throw new AppError('MIGRATION_FAILED', `clickhouse migration ${m.name} failed: ${(error as Error).message}`, { cause: error });
      }
    }
    await client.insert({ table: 'schema_migrations', values: [{ name: m.name, checksum: m.checksum }], format: 'JSONEachRow' });
    report.applied.push(m.name);
  }
  return report;
}

async function main(): Promise<void> {
  const timescaleUrl = process.env.TIMESCALE_URL;
  const clickhouseUrl = process.env.CLICKHOUSE_URL;
  if (!timescaleUrl && !clickhouseUrl) {
    throw new AppError('NO_STORES', 'set TIMESCALE_URL and/or CLICKHOUSE_URL (start the embedded ones with `npm run timescale` / `npm run clickhouse`)');
  }
  if (timescaleUrl) {
    const client = new pg.Client({ connectionString: timescaleUrl });
    await client.connect();
    try {
      const report = await migrateTimescale(client);
      console.log(`timescale ${redact(timescaleUrl)}: applied ${report.applied.join(', ') || 'nothing'}; ${report.skipped.length} already applied`);
    } finally {
      await client.end();
    }
  }
  if (clickhouseUrl) {
    const client = createClient(clickHouseConfig(clickhouseUrl));
    try {
      const report = await migrateClickHouse(client);
      console.log(`clickhouse ${redact(clickhouseUrl)}: applied ${report.applied.join(', ') || 'nothing'}; ${report.skipped.length} already applied`);
    } finally {
      await client.close();
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(redact(error instanceof Error ? error.message : String(error)));
    process.exit(1);
  });
}
