/**
 * A real MCP server for the suites: PostgreSQL (127.0.0.1:5432, or TIMESCALE_URL) with the MCP tables in a throwaway
 * schema, the migrated platform tables (alert_rules) in another, seeded candles/markets/gaps/dead letters/events, API keys per scope, served by @hono/node-server on a free port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { createMcpService } from '../../functions/mcp/app.ts';
import type { McpService } from '../../functions/mcp/app.ts';
import { ensureMcpTables, tableRef } from '../../functions/mcp/adapters/sql-schema.ts';
import { createSqlDeps } from '../../functions/mcp/adapters/sql-deps.ts';
import { createSqlEventsSource } from '../../functions/mcp/adapters/sql-stores.ts';
import type { McpConfig, McpDeps } from '../../functions/mcp/deps.ts';
import type { Scope } from '../../functions/mcp/ports.ts';
import { generateApiKey } from '../../functions/mcp/security/keys.ts';
import { createTokenBucketLimiter } from '../../functions/mcp/security/rate-limit.ts';
import { topicSpec } from '../../schemas/topics.ts';
import { startBroker } from '../../scripts/engines/broker/index.ts';
import type { BrokerHandle } from '../../scripts/engines/broker/index.ts';
import { createKafkaBackfillQueue } from '../../scripts/lib/mcp-backfill-queue.ts';
import type { KafkaBackfillQueue } from '../../scripts/lib/mcp-backfill-queue.ts';
import { applyTopics } from '../../scripts/topics.ts';
import { createPlatformDb } from './platform-db.ts';
import type { PlatformDb } from './platform-db.ts';

export const PG_URL = process.env.TIMESCALE_URL !== undefined && process.env.TIMESCALE_URL !== '' ? process.env.TIMESCALE_URL : 'postgres://postgres@127.0.0.1:5432/postgres';
export const HOUR = 3_600_000;
export const MINUTE = 60_000;
/** Seeded series end here (a fixed past instant, so results do not depend on the clock). */
export const T_END = Date.UTC(2026, 10, 20, 0, 0, 0);
export const HOURS = 24 * 30;
export const MINUTES = 24 * 60;

export interface Fixture {
  url: string;
  pool: pg.Pool;
  schema: string;
  /** The migrated platform schema (alert_rules lives there). */
  platform: PlatformDb;
  /** The embedded broker with the analytics-requests topic, behind the backfill queue. */
  broker: BrokerHandle;
  backfill: KafkaBackfillQueue;
  deps: McpDeps;
  service: McpService;
  keys: Record<'read' | 'alerts' | 'backfill' | 'admin' | 'limited' | 'revoked', string>;
  keyIds: Record<string, string>;
  appendEvent: ReturnType<typeof createSqlEventsSource>['append'];
  stop(): Promise<void>;
}

function price(symbol: string, i: number): number {
  const base = symbol === 'BTC-USD' ? 60_000 : symbol === 'ETH-USD' ? 3_000 : 150;
  return +(base * (1 + 0.08 * Math.sin(i / 37) + 0.03 * Math.sin(i / 5) + 0.0004 * i)).toFixed(2);
}

export async function seedCandles(pool: pg.Pool, schema: string, symbol: string, timeframe: string, stepMs: number, count: number, end: number, opts: { formingLast?: boolean } = {}): Promise<void> {
  const cols: unknown[][] = [[], [], [], [], [], [], [], [], [], []];
  for (let i = 0; i < count; i++) {
    const close = price(symbol, i);
    const open = i === 0 ? close : price(symbol, i - 1);
    const flags = i === 10 ? ['gap_before'] : i === 20 ? ['zero_volume_fill'] : [];
    const row = [end - (count - 1 - i) * stepMs, open, Math.max(open, close) * 1.002, Math.min(open, close) * 0.998, close, 10 + (i % 7), (10 + (i % 7)) * close,
      opts.formingLast === true && i === count - 1 ? 'forming' : i === 30 ? 'revised' : 'closed', `{${flags.join(',')}}`, i === 30 ? 1 : 0];
    row.forEach((v, j) => (cols[j] as unknown[]).push(v));
  }
  const chunk = 1000;
  for (let s = 0; s < count; s += chunk) {
    const values: string[] = [];
    const params: unknown[] = [];
    for (let i = s; i < Math.min(count, s + chunk); i++) {
      const base = params.length;
      values.push(`('cccagg', $${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6}, $${base + 7}, $${base + 8}, $${base + 9}, NULL, $${base + 10}, $${base + 11}::text[], $${base + 12})`);
      params.push(symbol, timeframe, ...cols.map((c) => c[i]));
    }
    await pool.query(`INSERT INTO ${tableRef(schema, 'candles')} (exchange, symbol, timeframe, ts, open, high, low, close, volume, quote_volume, trades, state, flags, revision) VALUES ${values.join(',')}`, params);
  }
}

/** An embedded broker on a free port with the catalog's analytics-requests topic. */
export async function startAnalyticsBroker(): Promise<{ broker: BrokerHandle; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcp-broker-'));
  const broker = await startBroker({ port: 0, dataDir, initialRebalanceDelayMs: 0, cleanerIntervalMs: 0, log: () => undefined });
  const admin = new kafkajs.Kafka({ clientId: 'mcp-test-admin', brokers: [broker.address], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await applyTopics(admin, ['analytics-requests', 'analytics-requests-dlq'].map((name) => topicSpec(name) as NonNullable<ReturnType<typeof topicSpec>>));
  } finally {
    await admin.disconnect();
  }
  return {
    broker,
    async stop() {
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startFixture(config: Partial<McpConfig> = {}): Promise<Fixture> {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 8 });
  const schema = `mcp_test_${Math.random().toString(36).slice(2, 10)}`;
  await ensureMcpTables(pool, schema);
  const platform = await createPlatformDb('mcp_fixture');
  const analytics = await startAnalyticsBroker();
  const backfill = createKafkaBackfillQueue({ brokers: [analytics.broker.address] });
  for (const symbol of ['BTC-USD', 'ETH-USD', 'SOL-USD']) {
    const [base, quote] = symbol.split('-');
    await pool.query(`INSERT INTO ${tableRef(schema, 'instruments')} VALUES ('cccagg', $1, $2, $3, true)`, [symbol, base, quote]);
    await seedCandles(pool, schema, symbol, '1h', HOUR, HOURS, T_END - HOUR);
  }
  await pool.query(`INSERT INTO ${tableRef(schema, 'instruments')} VALUES ('coinbase', 'BTC-USD', 'BTC', 'USD', true)`);
  await seedCandles(pool, schema, 'BTC-USD', '1m', MINUTE, MINUTES, T_END - MINUTE, { formingLast: true });
  await seedCandles(pool, schema, 'ETH-USD', '1m', MINUTE, MINUTES, T_END - MINUTE);
  await pool.query(`INSERT INTO ${tableRef(schema, 'gaps')} VALUES ('cccagg', 'BTC-USD', '1m', $1, $2, 'reconnect', $3, false), ('cccagg', 'ETH-USD', '1h', $4, $4, 'scan', $3, true)`,
    [T_END - 50 * MINUTE, T_END - 45 * MINUTE, T_END - 40 * MINUTE, T_END - 100 * HOUR]);
  await pool.query(`INSERT INTO ${tableRef(schema, 'dead_letters')} (stage, reason_code, failed_at, message) VALUES ('validate', 'OHLC_INVARIANT', $1, 'm'), ('validate', 'OHLC_INVARIANT', $1, 'm'), ('enrich', 'PRICE_NOT_POSITIVE', $1, 'm')`, [Date.now() - HOUR]);
  await pool.query(`INSERT INTO ${tableRef(schema, 'stream_status')} VALUES ('websocket:24~CCCAGG~BTC~USD~m', 'connected', $1, 1), ('websocket:24~CCCAGG~ETH~USD~m', 'stale', $2, 4)`, [Date.now() - 5000, Date.now() - 600_000]);

  const events = createSqlEventsSource(pool, schema);
  for (let i = 0; i < 3; i++) {
    await events.append({ kind: 'alert', id: `seed-alert-${i}`, at: T_END - (10 - i) * MINUTE, emittedAt: T_END, title: 'BTC above', message: 'close crossed above 60000', severity: 'info',
      exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1m', ruleId: 'rule_seed0000', condition: 'close crosses above 60000', price: 60_100 + i, evidence: { i } });
  }
  await events.append({ kind: 'signal', id: 'seed-signal-0', at: T_END - MINUTE, emittedAt: T_END, title: 'MACD cross', message: 'bullish', severity: 'info',
    exchange: 'cccagg', symbol: 'ETH-USD', timeframe: '1h', signal: 'macd_cross', direction: 'bullish', strength: 0.7, price: 3100, evidence: {} });

  const keys: Record<string, string> = {};
  const keyIds: Record<string, string> = {};
  const scopesOf: Record<string, Scope[]> = { read: ['read'], alerts: ['read', 'alerts'], backfill: ['read', 'backfill'], admin: ['admin'], limited: ['read'], revoked: ['admin'] };
  const base = createSqlDeps({ sql: pool, schema, platformSql: platform.pool, backfill });
  for (const [name, scopes] of Object.entries(scopesOf)) {
    const { token, record } = await generateApiKey(`test-${name}`, scopes, Date.now());
    await base.keys.insert(record);
    keys[name] = token;
    keyIds[name] = record.id;
  }
  await base.keys.revoke(keyIds.revoked as string, Date.now());

  const generous = createTokenBucketLimiter({ capacity: 10_000, refillPerSec: 1000 });
  const tight = createTokenBucketLimiter({ capacity: 3, refillPerSec: 0.01 });
  const deps = createSqlDeps({
    sql: pool, schema, platformSql: platform.pool, backfill,
    config: { snapshotPollMs: 100, eventsPollMs: 50, ...config },
    rateLimiter: { take: (key) => (key === keyIds.limited ? tight.take(key) : generous.take(key)) },
  });
  const service = createMcpService(deps);
  const server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`, pool, schema, platform, broker: analytics.broker, backfill, deps, service, keys: keys as Fixture['keys'], keyIds, appendEvent: events.append,
    async stop() {
      await service.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      await pool.end();
      await platform.drop();
      await backfill.close();
      await analytics.stop();
    },
  };
}
