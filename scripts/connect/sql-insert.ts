import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import pg from 'pg';
import { redact } from '../../functions/lib/errors.ts';
import { Mapping } from './bloblang.ts';
import type { Message } from './message.ts';
import type { Ctx, Output } from './runtime.ts';

export interface SqlInsertConf {
  driver: 'postgres' | 'clickhouse';
  dsn: string;
  table: string;
  columns: string[];
  args_mapping: string;
  prefix?: string;
  suffix?: string;
  max_in_flight: number;
  init_statement?: string;
}

/** PostgreSQL's limit on bind parameters in one statement. */
const PG_MAX_PARAMS = 65535;

function rowsOf(mapping: Mapping, batch: Message[], columns: number): unknown[][] {
  return batch.map((m, i) => {
    const row = mapping.query(m);
    if (!Array.isArray(row)) throw new Error(`args_mapping must return an array, got ${row === null ? 'null' : typeof row} for message ${i}`);
    if (row.length !== columns) throw new Error(`args_mapping returned ${row.length} values for ${columns} columns (message ${i})`);
    return row;
  });
}

function quoteIdent(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/**
 * Connect's `sql_insert`: one multi-row INSERT per batch (postgres), `prefix`/`suffix` around it. Batches larger than
 * 65535 bind parameters are split into several statements inside one transaction, so a batch is all-or-nothing.
 */
function postgresOutput(conf: SqlInsertConf, mapping: Mapping, ctx: Ctx): Output {
  const pool = new pg.Pool({ connectionString: conf.dsn, max: Math.max(1, conf.max_in_flight) });
  pool.on('error', (error) => ctx.log.warn(`postgres pool: ${redact(error.message)}`));
  let initialised: Promise<void> | undefined;
  const init = (): Promise<void> =>
    (initialised ??= (async () => {
      if (conf.init_statement === undefined || conf.init_statement.trim() === '') return;
      try {
        await pool.query(conf.init_statement);
      } catch (error) {
        // Connect only warns when init_statement fails.
        ctx.log.warn(`sql_insert init_statement failed: ${redact((error as Error).message)}`);
      }
    })());
  const rowsPerStatement = Math.max(1, Math.floor(PG_MAX_PARAMS / conf.columns.length));
  const head = `${conf.prefix ? conf.prefix + ' ' : ''}INSERT INTO ${quoteIdent(conf.table)} (${conf.columns.map(quoteIdent).join(', ')}) VALUES `;
  return {
    async write(batch) {
      await init();
      const rows = rowsOf(mapping, batch, conf.columns.length);
      const client = await pool.connect();
      try {
        const chunks: unknown[][][] = [];
        for (let i = 0; i < rows.length; i += rowsPerStatement) chunks.push(rows.slice(i, i + rowsPerStatement));
        if (chunks.length > 1) await client.query('BEGIN');
        for (const chunk of chunks) {
          const values = chunk.map((row, r) => `(${row.map((_, col) => `$${r * conf.columns.length + col + 1}`).join(', ')})`).join(', ');
          await client.query(`${head}${values}${conf.suffix ? ' ' + conf.suffix : ''}`, chunk.flat().map(toPgParam));
        }
        if (chunks.length > 1) await client.query('COMMIT');
      } catch (error) {
        if (rows.length > rowsPerStatement) await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`sql_insert into ${conf.table}: ${redact((error as Error).message)}`, { cause: error });
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

function toPgParam(v: unknown): unknown {
  return v !== null && typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array) ? JSON.stringify(v) : v;
}

/**
 * Our embedded ClickHouse (and this runner) speak the HTTP interface, not the native protocol: `clickhouse://user:pass@host:port/db?settings`
 * is mapped to `http://host:port` with that database, where `port` must be the HTTP port (8123 by default). `http(s)://` DSNs
 * are accepted as they are (`?database=` or a path picks the database). Rows are inserted as JSONEachRow.
 */
export function clickhouseClientConfig(dsn: string): { url: string; username?: string; password?: string; database?: string; clickhouse_settings: Record<string, string> } {
  const u = new URL(dsn);
  if (!['clickhouse:', 'http:', 'https:'].includes(u.protocol)) throw new Error(`clickhouse dsn must start with clickhouse://, http:// or https:// (got ${u.protocol})`);
  const settings: Record<string, string> = {};
  let database = u.pathname.replace(/^\//, '') || undefined;
  for (const [k, v] of u.searchParams) {
    if (k === 'database') database = v;
    else settings[k] = v;
  }
  const scheme = u.protocol === 'https:' ? 'https' : 'http';
  return {
    url: `${scheme}://${u.hostname}:${u.port || (scheme === 'https' ? '8443' : '8123')}`,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(database ? { database } : {}),
    clickhouse_settings: settings,
  };
}

function clickhouseOutput(conf: SqlInsertConf, mapping: Mapping, ctx: Ctx): Output {
  const cfg = clickhouseClientConfig(conf.dsn);
  const client: ClickHouseClient = createClient({ ...cfg, clickhouse_settings: cfg.clickhouse_settings as Record<string, never> });
  let initialised: Promise<void> | undefined;
  const init = (): Promise<void> =>
    (initialised ??= (async () => {
      if (conf.init_statement === undefined || conf.init_statement.trim() === '') return;
      try {
        await client.command({ query: conf.init_statement });
      } catch (error) {
        ctx.log.warn(`sql_insert init_statement failed: ${redact((error as Error).message)}`);
      }
    })());
  return {
    async write(batch) {
      await init();
      const rows = rowsOf(mapping, batch, conf.columns.length).map((row) => Object.fromEntries(conf.columns.map((col, i) => [col, row[i]])));
      try {
        await client.insert({ table: conf.table, values: rows, format: 'JSONEachRow' });
      } catch (error) {
        throw new Error(`sql_insert into ${conf.table}: ${redact((error as Error).message)}`, { cause: error });
      }
    },
    close: () => client.close(),
  };
}

export function sqlInsertOutput(conf: SqlInsertConf, ctx: Ctx): Output {
  const mapping = Mapping.parse(conf.args_mapping);
  return conf.driver === 'clickhouse' ? clickhouseOutput(conf, mapping, ctx) : postgresOutput(conf, mapping, ctx);
}
