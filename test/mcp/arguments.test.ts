/**
 * Argument handling: unknown keys are refused with a clear error, field selection on list_alert_rules and get_events,
 * run_analytics pages with a cursor, and the verified-key cache (TTL on an injected clock, in-process revocation).
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpService } from '../../functions/mcp/app.ts';
import { TOOLS } from '../../functions/mcp/tools/index.ts';
import { generateApiKey } from '../../functions/mcp/security/keys.ts';
import { runKeysCommand } from '../../scripts/keys.ts';
import { modernClient, legacyClient } from './clients.ts';
import type { TestClient } from './clients.ts';
import { HOUR, HOURS, T_END, startFixture } from './fixture.ts';
import type { Fixture } from './fixture.ts';

let f: Fixture;
let c: TestClient;
beforeAll(async () => {
  f = await startFixture({ snapshotPollMs: 0 });
  c = await modernClient(f.url, f.keys.admin);
});
afterAll(async () => {
  await c?.close();
  await f?.stop();
});

const MONTH = { from: T_END - HOURS * HOUR, to: T_END };

describe('strict arguments', () => {
  it.each([
    ['get_candles', { symbol: 'BTC-USD', timeframe: '1h', range: MONTH, maxpoints: 50 }, 'maxpoints'],
    ['get_latest_prices', { symbols: ['BTC-USD'], symbol: 'ETH-USD' }, 'symbol'],
    ['list_markets', { exchnage: 'coinbase' }, 'exchnage'],
    ['get_events', { kinds: ['alert'], since: 0 }, 'since'],
    ['run_analytics', { query: 'returns', symbols: ['BTC-USD'], range: MONTH, offset: 10 }, 'offset'],
  ])('%s refuses the unknown argument and names it', async (tool, args, key) => {
    for (const client of [c, await legacyClient(f.url, f.keys.admin)]) {
      const r = await client.call(tool, args);
      expect(r.isError).toBe(true);
      expect(r.text).toContain(`unknown argument "${key}" for ${tool}`);
      if (client !== c) await client.close();
    }
  });

  it('refuses unknown keys inside nested arguments (range, rule, strategy)', async () => {
    const range = await c.call('get_candles', { symbol: 'BTC-USD', timeframe: '1h', range: { ...MONTH, until: T_END } });
    expect(range.isError).toBe(true);
    expect(range.text).toMatch(/until/);
    const rule = await c.call('create_alert_rule', { rule: { name: 'n', symbol: 'BTC-USD', timeframe: '1h', condition: { type: 'price_threshold', op: 'above', level: 1 }, trigger: { mode: 'once' }, frequency: 'once' } });
    expect(rule.isError).toBe(true);
    expect(rule.text).toMatch(/frequency/);
    const condition = await c.call('create_alert_rule', { rule: { name: 'n', symbol: 'BTC-USD', timeframe: '1h', condition: { type: 'price_threshold', op: 'above', level: 1, lvl: 2 } } });
    expect(condition.isError).toBe(true);
    expect(condition.text).toMatch(/lvl/);
    const trigger = await c.call('create_alert_rule', { rule: { name: 'n', symbol: 'BTC-USD', timeframe: '1h', condition: { type: 'price_threshold', op: 'above', level: 1 }, trigger: { mode: 'once', every: 1 } } });
    expect(trigger.isError).toBe(true);
    expect(trigger.text).toMatch(/every/);
    const strategy = await c.call('run_backtest', { symbol: 'BTC-USD', timeframe: '1h', range: MONTH, strategy: { entry: { op: 'greater_than', left: { field: 'close' }, right: { value: 1 } }, takeProfitPct: 1, stop: 2 } });
    expect(strategy.isError).toBe(true);
    expect(strategy.text).toMatch(/stop/);
  });

  it('advertises additionalProperties: false on every tool input', async () => {
    const tools = await c.listTools();
    for (const t of tools) expect((t.inputSchema as { additionalProperties?: unknown }).additionalProperties, t.name).toBe(false);
  });
});

describe('field selection', () => {
  it('list_alert_rules returns id plus the selected fields only', async () => {
    const rule = { name: 'fields', symbol: 'ETH-USD', timeframe: '1h', condition: { type: 'price_threshold', op: 'above', level: 1 }, trigger: { mode: 'once' } };
    const created = await c.call('create_alert_rule', { rule });
    const id = (created.structured.rule as { id: string }).id;
    const slim = await c.call('list_alert_rules', { fields: ['status'] });
    expect(slim.isError).toBe(false);
    expect(slim.structured.rules).toContainEqual({ id, status: 'active' });
    for (const r of slim.structured.rules as object[]) expect(Object.keys(r).sort()).toEqual(['id', 'status']);
    const full = await c.call('list_alert_rules', {});
    expect((full.structured.rules as { id: string; rule?: { name: string } }[]).find((r) => r.id === id)?.rule?.name).toBe('fields');
  });

  it('get_events returns kind, id and the selected fields that each event has', async () => {
    const r = await c.call('get_events', { fields: ['symbol', 'ruleId', 'signal'], limit: 10 });
    expect(r.isError).toBe(false);
    const events = r.structured.events as Record<string, unknown>[];
    const alert = events.find((e) => e.id === 'seed-alert-0');
    const signal = events.find((e) => e.id === 'seed-signal-0');
    expect(alert).toEqual({ kind: 'alert', id: 'seed-alert-0', symbol: 'BTC-USD', ruleId: 'rule_seed0000' });
    expect(signal).toEqual({ kind: 'signal', id: 'seed-signal-0', symbol: 'ETH-USD', signal: 'macd_cross' });
  });
});

describe('get_candles column encoding', () => {
  it('returns the same candles column-wise, in both eras', async () => {
    const legacy = await legacyClient(f.url, f.keys.admin);
    try {
      for (const client of [c, legacy]) {
        const args = { symbol: 'BTC-USD', timeframe: '1h', range: MONTH, maxPoints: 50, fields: ['open', 'close', 'state', 'flags', 'trades'] };
        const rows = await client.call('get_candles', args);
        const cols = await client.call('get_candles', { ...args, encoding: 'columns' });
        expect(cols.isError, cols.text).toBe(false);
        expect(cols.structured.candles).toEqual([]);
        const candles = rows.structured.candles as Record<string, unknown>[];
        const columns = cols.structured.columns as Record<string, unknown[]>;
        expect(Object.keys(columns).sort()).toEqual(['close', 'flags', 'open', 'state', 't', 'trades']);
        expect(columns.t).toEqual(candles.map((x) => x.t));
        for (const field of ['open', 'close', 'state', 'flags', 'trades']) expect(columns[field], field).toEqual(candles.map((x) => x[field]));
        expect(cols.text.length).toBeLessThan(rows.text.length);
      }
    } finally {
      await legacy.close();
    }
  });
});

describe('text block of a tool result', () => {
  const args = { symbol: 'BTC-USD', timeframe: '1h', range: MONTH };

  it('repeats the full JSON when the answer lists at most textMaxItems (50) items', async () => {
    const r = await c.call('get_candles', { ...args, limit: 50 });
    expect((r.structured.candles as unknown[]).length).toBe(50);
    expect(JSON.parse(r.text)).toEqual(r.structured);
  });

  it('carries only the summary and cursor for a longer answer to a client that reads structuredContent, in both eras', async () => {
    const legacy = await legacyClient(f.url, f.keys.admin);
    try {
      for (const client of [c, legacy]) {
        const r = await client.call('get_candles', { ...args, limit: 51 });
        expect((r.structured.candles as unknown[]).length).toBe(51);
        expect(JSON.parse(r.text)).toEqual({
          summary: r.structured.summary, nextCursor: r.structured.nextCursor,
          note: 'The 51 items are in structuredContent only; this text carries the summary so a long answer does not fill the context. Ask for at most 50 (limit) to get them as text too.',
        });
      }
    } finally {
      await legacy.close();
    }
  });

  it('repeats the full JSON of any answer for a client whose protocol predates structuredContent (no MCP-Protocol-Version: 2025-03-26)', async () => {
    const r = await fetch(f.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${f.keys.read}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'get_candles', arguments: { ...args, limit: 200 } } }),
    });
    expect(r.status).toBe(200);
    // The 2025-era stateless answer is one SSE event.
    const data = (await r.text()).split('\n').find((line) => line.startsWith('data: '));
    const body = JSON.parse(data?.slice('data: '.length) ?? '') as { result: { structuredContent: { candles: unknown[] }; content: { type: string; text: string }[] } };
    expect(body.result.structuredContent.candles).toHaveLength(200);
    expect(JSON.parse(body.result.content[0]?.text ?? '')).toEqual(body.result.structuredContent);
  });
});

describe('run_analytics cursor', () => {
  it('pages through the rows of a query, and refuses the cursor for other arguments', async () => {
    const args = { query: 'volume_profile', symbols: ['BTC-USD', 'ETH-USD'], timeframe: '1h', range: MONTH, buckets: 10 };
    const all = await c.call('run_analytics', { ...args, limit: 500 });
    const rows = all.structured.rows as Record<string, unknown>[];
    expect(all.structured.nextCursor).toBeNull();
    expect(rows.length).toBeGreaterThan(5);
    const paged: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await c.call('run_analytics', { ...args, limit: 3, ...(cursor === undefined ? {} : { cursor }) });
      expect(page.isError).toBe(false);
      paged.push(...(page.structured.rows as Record<string, unknown>[]));
      if (page.structured.nextCursor === null) break;
      expect(page.structured.truncated).toBe(true);
      cursor = page.structured.nextCursor as string;
    }
    expect(paged).toEqual(rows);
    const first = await c.call('run_analytics', { ...args, limit: 3 });
    const other = await c.call('run_analytics', { ...args, buckets: 5, limit: 3, cursor: first.structured.nextCursor as string });
    expect(other.isError).toBe(true);
    expect(JSON.parse(other.text).error.message).toMatch(/different query/);
  });
});

describe('verified-key cache', () => {
  it('serves a key from cache until the TTL passes, and drops it at once on an in-process revoke', async () => {
    let clock = Date.now();
    const service = createMcpService({ ...f.deps, now: () => clock, config: { ...f.deps.config, snapshotPollMs: 0, keyCacheMs: 5_000 } });
    const server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    const list = (token: string): Promise<number> => fetch(url, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    }).then(async (r) => {
      await r.body?.cancel();
      return r.status;
    });
    try {
      const a = await generateApiKey('cache-a', ['read'], clock);
      const b = await generateApiKey('cache-b', ['read'], clock);
      await f.deps.keys.insert(a.record);
      await f.deps.keys.insert(b.record);
      expect(await list(a.token)).toBe(200);
      expect(await list(b.token)).toBe(200);

      // Revoked behind the cache's back (as another process would): still accepted until the TTL passes.
      await f.deps.keys.revoke(a.record.id, clock);
      expect(await list(a.token)).toBe(200);
      clock += 5_001;
      expect(await list(a.token)).toBe(401);

      // Revoked through the keys command in this process: refused on the very next call.
      expect(await runKeysCommand(f.deps.keys, ['revoke', b.record.id])).toBe(`revoked ${b.record.id}`);
      expect(await list(b.token)).toBe(401);
    } finally {
      await service.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('outputs conform to the output schemas', () => {
  // The server does not re-validate outputs (tool-schemas.ts); this pins that every tool's answer still conforms.
  it('every tool answers within its zod output schema', async () => {
    const rule = { name: 'conform', symbol: 'BTC-USD', timeframe: '1h', condition: { type: 'price_cross', direction: 'up', level: 1 }, trigger: { mode: 'once_per_interval', intervalMs: 60_000 } };
    const created = await c.call('create_alert_rule', { rule });
    const ruleId = (created.structured.rule as { id: string }).id;
    const backfill = await c.call('request_backfill', { symbols: ['SOL-USD'], timeframe: '1h', range: { from: T_END - 5 * HOUR, to: T_END } });
    const calls: [string, Record<string, unknown>][] = [
      ['get_candles', { symbol: 'BTC-USD', timeframe: '1h', range: MONTH, limit: 50 }],
      ['get_candles', { symbol: 'BTC-USD', timeframe: '1h', range: MONTH, maxPoints: 20, encoding: 'columns' }],
      ['get_latest_prices', { symbols: ['BTC-USD', 'DOGE-USD'] }],
      ['get_indicators', { symbol: 'ETH-USD', timeframe: '1h', range: { from: T_END - 48 * HOUR, to: T_END }, indicators: [{ name: 'BBANDS' }, { name: 'RSI' }] }],
      ['list_markets', {}],
      ['get_data_quality', {}],
      ['request_backfill', { symbols: ['SOL-USD'], timeframe: '1h', range: { from: T_END - 5 * HOUR, to: T_END } }],
      ['get_backfill_status', { requestId: backfill.structured.requestId }],
      ['list_alert_rules', {}],
      ['list_alert_rules', { fields: ['rule'] }],
      ['update_alert_rule', { ruleId, status: 'paused' }],
      ['get_events', { kinds: ['alert', 'signal', 'system'] }],
      ['get_events', { fields: ['price', 'check'] }],
      ['run_analytics', { query: 'correlation', symbols: ['BTC-USD', 'ETH-USD'], range: MONTH }],
      ['run_backtest', { symbol: 'BTC-USD', timeframe: '1h', range: MONTH, strategy: { entry: { op: 'greater_than', left: { field: 'close' }, right: { value: 1 } }, takeProfitPct: 1 } }],
      ['delete_alert_rule', { ruleId }],
    ];
    expect(created.isError).toBe(false);
    for (const [name, args] of calls) {
      const r = await c.call(name, args);
      expect(r.isError, `${name} ${r.text.slice(0, 300)}`).toBe(false);
      const tool = TOOLS.find((t) => t.name === name);
      const parsed = tool?.output.safeParse(r.structured);
      expect(parsed?.success, `${name}: ${JSON.stringify(parsed?.error?.issues.slice(0, 3))}`).toBe(true);
    }
    expect(new Set(calls.map(([n]) => n)).size + 1).toBe(TOOLS.length); // every tool but create_alert_rule, checked above
    expect(TOOLS.find((t) => t.name === 'create_alert_rule')?.output.safeParse(created.structured).success).toBe(true);
  });
});
