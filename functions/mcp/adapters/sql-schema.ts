/**
 * Tables behind the SQL adapters, in one PostgreSQL/TimescaleDB schema. They stand in for the platform tables
 * (migrations in sql/timescale) when the MCP server runs on its own: tests create them in a throwaway schema.
 */
import type { SqlPort } from '../ports.ts';

/** Quoted schema-qualified table name; the schema is validated because identifiers cannot be bound parameters. */
export function tableRef(schema: string, table: string): string {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(schema) || !/^[a-z_][a-z0-9_]{0,40}$/.test(table)) throw new Error('invalid schema or table identifier');
  return `"${schema}"."${table}"`;
}

export async function ensureMcpTables(sql: SqlPort, schema: string): Promise<void> {
  const t = (name: string): string => tableRef(schema, name);
  const ddl = [
    `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
    `CREATE TABLE IF NOT EXISTS ${t('candles')} (exchange text NOT NULL, symbol text NOT NULL, timeframe text NOT NULL, ts bigint NOT NULL,
      open float8 NOT NULL, high float8 NOT NULL, low float8 NOT NULL, close float8 NOT NULL, volume float8 NOT NULL, quote_volume float8 NOT NULL,
      trades integer, state text NOT NULL, revision integer NOT NULL DEFAULT 0, flags text[] NOT NULL DEFAULT '{}', store text NOT NULL DEFAULT 'timescale',
      PRIMARY KEY (exchange, symbol, timeframe, ts))`,
    `CREATE TABLE IF NOT EXISTS ${t('instruments')} (exchange text NOT NULL, symbol text NOT NULL, base text NOT NULL, quote text NOT NULL, active boolean NOT NULL, PRIMARY KEY (exchange, symbol))`,
    `CREATE TABLE IF NOT EXISTS ${t('gaps')} (exchange text NOT NULL, symbol text NOT NULL, timeframe text NOT NULL, from_ts bigint NOT NULL, to_ts bigint NOT NULL,
      reason text NOT NULL, detected_at bigint NOT NULL, repaired boolean NOT NULL DEFAULT false)`,
    `CREATE TABLE IF NOT EXISTS ${t('dead_letters')} (id bigserial PRIMARY KEY, stage text NOT NULL, reason_code text NOT NULL, failed_at bigint NOT NULL, message text NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${t('stream_status')} (stream text PRIMARY KEY, status text NOT NULL, last_message_at bigint, reconnects integer NOT NULL DEFAULT 0)`,
    `CREATE TABLE IF NOT EXISTS ${t('alert_events')} (seq bigserial PRIMARY KEY, kind text NOT NULL, symbol text, event jsonb NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${t('api_keys')} (id text PRIMARY KEY, name text NOT NULL, scopes text[] NOT NULL, hash text NOT NULL,
      created_at bigint NOT NULL, revoked_at bigint, last_used_at bigint)`,
    `CREATE TABLE IF NOT EXISTS ${t('audit_log')} (id bigserial PRIMARY KEY, at bigint NOT NULL, key_id text, tool text NOT NULL, args_digest text NOT NULL,
      outcome text NOT NULL, latency_ms integer NOT NULL)`,
  ];
  for (const statement of ddl) await sql.query(statement);
}
