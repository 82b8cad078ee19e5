/**
 * The MCP server on the platform's real adapters: the read layer over the migrated TimescaleDB/PostgreSQL layout,
 * keys in api_keys (created with `npm run keys`), tool calls in audit_log.
 */
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { createClient } from '@clickhouse/client-web';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadLayer } from '../../functions/lib/read/index.ts';
import type { ReadLayer } from '../../functions/lib/read/index.ts';
import { createPlatformMarketRead } from '../../functions/mcp/adapters/platform-market.ts';
import { createPlatformAuditLog, createPlatformEventsSource, createPlatformKeyStore } from '../../functions/mcp/adapters/platform-stores.ts';
import type { AlertsMessage } from '../../schemas/alerts.ts';
import { createSqlDeps } from '../../functions/mcp/adapters/sql-deps.ts';
import { ensureMcpTables } from '../../functions/mcp/adapters/sql-schema.ts';
import { createMcpService } from '../../functions/mcp/app.ts';
import type { McpService } from '../../functions/mcp/app.ts';
import { runKeysCommand } from '../../scripts/keys.ts';
import { modernClient, legacyClient } from './clients.ts';
import { createPlatformDb, minuteCandles, writeCandles } from './platform-db.ts';
import type { PlatformDb } from './platform-db.ts';

const run = promisify(execFile);
const START = Date.UTC(2026, 9, 1);
const COUNT = 3 * 1440;
const END = START + (COUNT - 1) * 60_000;

let db: PlatformDb;
let layer: ReadLayer;
let service: McpService;
let server: ReturnType<typeof serve>;
let url: string;
let adminKey: string;

beforeAll(async () => {
  db = await createPlatformDb();
  await writeCandles(db.pool, [...minuteCandles('BTC-USD', START, COUNT, { formingLast: true }), ...minuteCandles('ETH-USD', START, COUNT)]);
  await db.pool.query(`INSERT INTO market_metadata (exchange, symbol, base, quote) VALUES ('cccagg', 'BTC-USD', 'BTC', 'USD'), ('cccagg', 'ETH-USD', 'ETH', 'USD')`);
  await db.pool.query(`INSERT INTO gaps (exchange, symbol, timeframe, from_ts, to_ts, reason, detected_at) VALUES ('cccagg', 'BTC-USD', '1m', to_timestamp($1 / 1000.0), to_timestamp($2 / 1000.0), 'reconnect', now())`, [START + 60_000, START + 120_000]);
  await db.pool.query(`INSERT INTO dead_letters (stage, reason_code, day, count, last_at) VALUES ('validate', 'OHLC_INVARIANT', current_date, 7, now())`);
  await ensureMcpTables(db.pool, `${db.schema}_mcp`);

  layer = createReadLayer({ timescale: db.pool, clickhouse: createClient({ url: 'http://127.0.0.1:9' }) });
  const sqlDeps = createSqlDeps({ sql: db.pool, schema: `${db.schema}_mcp`, platformSql: db.pool, config: { snapshotPollMs: 0 } });
  service = createMcpService({
    ...sqlDeps,
    read: createPlatformMarketRead({ layer, sql: db.pool, streams: { exchange: 'cccagg', symbols: ['BTC-USD', 'ETH-USD'] } }),
    keys: createPlatformKeyStore(db.pool),
    audit: createPlatformAuditLog(db.pool),
    events: createPlatformEventsSource(db.pool),
  });
  server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  // The real CLI, as an operator runs it, against the migrated api_keys table.
  const { stdout } = await run('npx', ['tsx', 'scripts/keys.ts', 'create', '--name', 'platform test', '--scopes', 'admin', '--json'], { env: { ...process.env, TIMESCALE_URL: db.url } });
  adminKey = (JSON.parse(stdout.trim().split('\n').at(-1) as string) as { key: string }).key;
});

afterAll(async () => {
  await service?.close();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  await db?.pool.query(`DROP SCHEMA IF EXISTS "${db.schema}_mcp" CASCADE`);
  await db?.drop();
});

/** What the alerts sink writes: one alert_events row per event, the event itself as payload. */
async function insertEvent(e: AlertsMessage): Promise<void> {
  const series = e.kind === 'system' ? [null, null, null, null] : [e.kind === 'alert' ? e.ruleId : null, e.exchange, e.symbol, e.timeframe];
  await db.pool.query(
    `INSERT INTO alert_events (id, kind, rule_id, exchange, symbol, timeframe, severity, title, message, at, emitted_at, payload)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, to_timestamp($10 / 1000.0), to_timestamp($11 / 1000.0), $12)`,
    [e.id, e.kind, ...series, e.severity, e.title, e.message, e.at, e.emittedAt, JSON.stringify(e)]);
}

const alert = (id: string, emittedAt: number): AlertsMessage => ({ kind: 'alert', id, at: END, emittedAt, title: 't', message: 'm', severity: 'warning', exchange: 'cccagg', symbol: 'BTC-USD',
  timeframe: '1m', ruleId: 'r1', condition: 'close crosses above 60000', price: 60_001, evidence: {} });

describe('MCP over the platform read layer', () => {
  it('get_candles returns what the read layer returns, downsampled and raw', async () => {
    const c = await modernClient(url, adminKey);
    try {
      const range = { from: START, to: END };
      const direct = await layer.candles({ exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1m', from: START, to: END, maxPoints: 100 });
      const viaMcp = await c.call('get_candles', { symbol: 'BTC-USD', timeframe: '1m', range, maxPoints: 100, limit: 1000, fields: ['open', 'high', 'low', 'close', 'state', 'flags', 'candles'] });
      expect(viaMcp.structured.bucketMs).toBe(direct.bucketMs);
      expect(viaMcp.structured.candles).toEqual(direct.candles.map((d) => ({ t: d.timestamp, open: d.open, high: d.high, low: d.low, close: d.close, state: d.state, flags: d.flags, candles: d.candles })));
      const page1 = await c.call('get_candles', { symbol: 'BTC-USD', timeframe: '1m', range, limit: 500, fields: ['close'] });
      const page2 = await c.call('get_candles', { symbol: 'BTC-USD', timeframe: '1m', range, limit: 500, fields: ['close'], cursor: page1.structured.nextCursor as string });
      const ts = [...(page1.structured.candles as { t: number }[]), ...(page2.structured.candles as { t: number }[])].map((x) => x.t);
      expect(ts).toEqual(Array.from({ length: 1000 }, (_, i) => START + i * 60_000));
    } finally {
      await c.close();
    }
  });

  it('serves latest prices, markets with coverage, and data quality from the platform tables', async () => {
    const c = await legacyClient(url, adminKey);
    try {
      const latest = await c.call('get_latest_prices', { symbols: ['BTC-USD', 'ETH-USD'] });
      expect(latest.structured.prices).toEqual(expect.arrayContaining([expect.objectContaining({ symbol: 'BTC-USD', timestamp: END, state: 'forming' })]));
      const markets = await c.call('list_markets', {});
      const btc = (markets.structured.markets as { symbol: string; coverage: { timeframe: string; candles: number }[] }[]).find((m) => m.symbol === 'BTC-USD');
      expect(btc?.coverage).toEqual(expect.arrayContaining([expect.objectContaining({ store: 'timescale', timeframe: '1m', candles: COUNT })]));
      const quality = await c.call('get_data_quality', {});
      expect(quality.structured.gaps).toEqual([expect.objectContaining({ symbol: 'BTC-USD', from: START + 60_000, reason: 'reconnect', repaired: false })]);
      expect(quality.structured.deadLetters).toEqual([expect.objectContaining({ stage: 'validate', reasonCode: 'OHLC_INVARIANT', count: 7 })]);
      expect((quality.structured.freshness as { status: string }[]).map((s) => s.status)).toEqual(['stale', 'stale']);
      const ind = await c.call('get_indicators', { symbol: 'ETH-USD', timeframe: '1m', range: { from: END - 60 * 60_000, to: END }, indicators: [{ name: 'EMA', params: { period: 20 } }] });
      expect((ind.structured.points as unknown[]).length).toBe(61);
    } finally {
      await c.close();
    }
  });

  it('get_events reads alert_events after a cursor and long-polls for new rows', async () => {
    await insertEvent(alert('a1', END + 1000));
    await insertEvent(alert('a2', END + 1000));
    const c = await modernClient(url, adminKey);
    try {
      const first = await c.call('get_events', { limit: 1 });
      expect((first.structured.events as { id: string }[]).map((e) => e.id)).toEqual(['a1']);
      expect(first.structured.more).toBe(true);
      const second = await c.call('get_events', { cursor: first.structured.nextCursor as string });
      expect((second.structured.events as { id: string }[]).map((e) => e.id)).toEqual(['a2']);
      const waiting = c.call('get_events', { cursor: second.structured.nextCursor as string, waitMs: 20_000 });
      await new Promise((r) => setTimeout(r, 300));
      await insertEvent(alert('a3', END + 2000));
      expect(((await waiting).structured.events as { id: string }[]).map((e) => e.id)).toEqual(['a3']);
    } finally {
      await c.close();
    }
  });

  it('keys CLI lists and revokes; every call lands in audit_log', async () => {
    const store = createPlatformKeyStore(db.pool);
    const listed = await runKeysCommand(store, ['list']);
    expect(listed).toMatch(/active +\[admin\] +platform test/);
    expect(listed).not.toMatch(/amk_[a-f0-9]{12}_[A-Za-z0-9_-]{43}/);
    await service.flushAudits();
    const { rows } = await db.pool.query<{ actor: string; subject: string; details: { argsDigest: string; outcome: string; latencyMs: number } }>(
      `SELECT actor, subject, details FROM audit_log WHERE action = 'mcp.tool_call' ORDER BY id`);
    expect(rows.map((r) => r.subject)).toEqual(expect.arrayContaining(['get_candles', 'get_latest_prices', 'list_markets', 'get_data_quality', 'get_indicators', 'get_events']));
    expect(rows.every((r) => /^[a-f0-9]{64}$/.test(r.details.argsDigest) && r.details.outcome === 'ok')).toBe(true);
    const id = /amk_([a-f0-9]{12})_/.exec(adminKey)?.[1] as string;
    expect(await runKeysCommand(store, ['revoke', id])).toBe(`revoked ${id}`);
    const r = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
    expect(r.status).toBe(401);
    await expect(runKeysCommand(store, ['create', '--name', 'x', '--scopes', 'read,root'])).rejects.toThrow(/unknown scopes root/);
  });
});
