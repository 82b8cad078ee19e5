import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpService } from '../../functions/mcp/app.ts';
import { tableRef } from '../../functions/mcp/adapters/sql-schema.ts';
import { canonicalJson, sha256Hex } from '../../functions/mcp/digest.ts';
import { modernClient } from './clients.ts';
import type { TestClient } from './clients.ts';
import { HOUR, T_END, startFixture } from './fixture.ts';
import type { Fixture } from './fixture.ts';

let f: Fixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => {
  await f?.stop();
});

/** A 2025-era style JSON-RPC POST (the gate runs before protocol handling, so this is enough to probe it). */
function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(f.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
const callTool = (name: string, args: unknown, id = 1) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/\bat .+\.(ts|js|mjs):\d+/);
  expect(text).not.toMatch(/\b(SELECT|INSERT|UPDATE|DELETE FROM|DROP)\b.*\b(FROM|INTO|TABLE|SET)\b.*"mcp_test_/i);
  expect(text).not.toMatch(/amk_[a-f0-9]{12}_/);
  expect(text).not.toMatch(/postgres:\/\//);
  expect(text).not.toMatch(/stack/i);
}

describe('authentication', () => {
  it('answers 401 with a Bearer challenge without a key', async () => {
    const r = await post(callTool('get_latest_prices', { symbols: ['BTC-USD'] }));
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm="mcp"/);
    const body = await r.json() as { error: { data: { code: string }; message: string } };
    expect(body.error.data.code).toBe('UNAUTHENTICATED');
    expect(body.error.message).toMatch(/Authorization: Bearer/);
  });

  it.each([
    ['malformed', 'not-a-key'],
    ['unknown id', 'amk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['empty', ''],
  ])('answers 401 invalid_token for a %s key', async (_label, token) => {
    const r = await post(callTool('get_latest_prices', { symbols: ['BTC-USD'] }), { authorization: `Bearer ${token}` });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate') ?? '').toMatch(/^Bearer/);
    const text = await r.text();
    expectNoLeak(text);
    if (token.length > 0) expect(text).not.toContain(token);
  });

  it('answers 401 for a revoked key and for a right id with the wrong secret', async () => {
    expect((await post(callTool('get_latest_prices', { symbols: ['BTC-USD'] }), bearer(f.keys.revoked))).status).toBe(401);
    const forged = `${f.keys.admin.slice(0, 17)}${'B'.repeat(43)}`;
    expect((await post(callTool('get_latest_prices', { symbols: ['BTC-USD'] }), bearer(forged))).status).toBe(401);
  });
});

describe('scopes', () => {
  it.each([
    ['read', 'create_alert_rule', 'alerts'],
    ['read', 'request_backfill', 'backfill'],
    ['alerts', 'request_backfill', 'backfill'],
    ['backfill', 'delete_alert_rule', 'alerts'],
  ] as const)('a %s key calling %s gets 403 insufficient_scope (%s)', async (key, tool, scope) => {
    const r = await post(callTool(tool, {}), bearer(f.keys[key]));
    expect(r.status).toBe(403);
    expect(r.headers.get('www-authenticate')).toBe(`Bearer realm="mcp", error="insufficient_scope", scope="${scope}"`);
    const body = await r.json() as { error: { data: { code: string } } };
    expect(body.error.data.code).toBe('INSUFFICIENT_SCOPE');
  });

  it('lets scoped keys call their tools and admin call everything', async () => {
    const read = await modernClient(f.url, f.keys.read);
    const alerts = await modernClient(f.url, f.keys.alerts);
    try {
      expect((await read.call('get_latest_prices', { symbols: ['BTC-USD'] })).isError).toBe(false);
      expect((await alerts.call('list_alert_rules', {})).isError).toBe(false);
      await expect(read.call('list_alert_rules', {})).rejects.toThrow();
    } finally {
      await read.close();
      await alerts.close();
    }
    // Denied calls are audited like the others: queued, then written in a batch.
    await f.service.flushAudits();
    const denied = await f.pool.query(`SELECT outcome FROM ${tableRef(f.schema, 'audit_log')} WHERE key_id = $1 AND tool = 'list_alert_rules'`, [f.keyIds.read]);
    expect(denied.rows.map((r: { outcome: string }) => r.outcome)).toContain('denied:insufficient_scope');
  });
});

describe('limits and request shape', () => {
  it('answers 429 with Retry-After once a key exceeds its rate', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const r = await post({ jsonrpc: '2.0', id: i, method: 'tools/list', params: {} }, bearer(f.keys.limited));
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
      await r.body?.cancel();
    }
    expect(statuses.slice(0, 3).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('answers 413 for an oversized body, with or without Content-Length', async () => {
    const big = callTool('get_latest_prices', { symbols: ['BTC-USD'], pad: 'x'.repeat(300 * 1024) });
    const r = await post(big, bearer(f.keys.admin));
    expect(r.status).toBe(413);
    const chunked = await fetch(f.url, {
      method: 'POST', headers: { 'content-type': 'application/json', ...bearer(f.keys.admin) },
      body: new ReadableStream({ start(c) { const s = new TextEncoder().encode(JSON.stringify(big)); for (let i = 0; i < s.length; i += 65536) c.enqueue(s.slice(i, i + 65536)); c.close(); } }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it.each([
    ['broken JSON', '{"jsonrpc":"2.0","id":1,"method":'],
    ['a batch array', JSON.stringify([callTool('get_latest_prices', { symbols: ['BTC-USD'] })])],
    ['a JSON string', '"hello"'],
  ])('answers 400 for %s', async (_label, body) => {
    const r = await post(body, bearer(f.keys.admin));
    expect(r.status).toBe(400);
    expectNoLeak(await r.text());
  });

  it('refuses a foreign Origin and a foreign Host with 403', async () => {
    const r = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }, { ...bearer(f.keys.admin), origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    const { port } = new URL(f.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { host: 'attacker.example', 'content-type': 'application/json', ...bearer(f.keys.admin) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }));
    });
    expect(status).toBe(403);
  });
});

const PAYLOADS = [
  "BTC-USD'; DROP TABLE candles; --",
  '../../../../etc/passwd',
  'A'.repeat(100_000),
  'BTC\u0000-USD\r\n\u0007\u001b[31m',
  "' OR '1'='1",
  '${jndi:ldap://x/a}<script>alert(1)</script>',
];

const RANGE = { from: T_END - 48 * HOUR, to: T_END };
const RULE = { name: 'n', symbol: 'BTC-USD', timeframe: '1h', condition: { type: 'price_threshold', op: 'above', level: 1 }, trigger: { mode: 'once' }, webhookUrl: 'https://h.example.com/x', message: 'm' };
/** Each tool with valid arguments and the paths of its string arguments. */
const STRING_ARGS: [string, Record<string, unknown>, string[]][] = [
  ['get_candles', { symbol: 'BTC-USD', timeframe: '1h', range: RANGE }, ['exchange', 'symbol', 'timeframe', 'cursor', 'fields.0']],
  ['get_latest_prices', { symbols: ['BTC-USD'] }, ['exchange', 'symbols.0']],
  ['get_indicators', { symbol: 'BTC-USD', timeframe: '1h', range: RANGE, indicators: [{ name: 'RSI' }] }, ['exchange', 'symbol', 'timeframe', 'indicators.0.name', 'cursor']],
  ['list_markets', {}, ['exchange', 'cursor', 'fields.0']],
  ['get_data_quality', {}, ['exchange', 'symbol', 'sections.0']],
  ['request_backfill', { symbols: ['BTC-USD'], timeframe: '1h', range: RANGE }, ['exchange', 'symbols.0', 'timeframe']],
  ['get_backfill_status', { requestId: 'bf_abcdef' }, ['requestId']],
  ['create_alert_rule', { rule: RULE }, ['rule.name', 'rule.symbol', 'rule.exchange', 'rule.timeframe', 'rule.webhookUrl', 'rule.message', 'rule.trigger.mode', 'rule.condition.type', 'rule.condition.op', 'rule.severity']],
  ['list_alert_rules', {}, ['status', 'cursor']],
  ['update_alert_rule', { ruleId: 'rule_abcdefgh', status: 'paused' }, ['ruleId', 'status']],
  ['delete_alert_rule', { ruleId: 'rule_abcdefgh' }, ['ruleId']],
  ['get_events', {}, ['cursor', 'kinds.0', 'symbols.0']],
  ['run_analytics', { query: 'returns', symbols: ['BTC-USD'], range: RANGE }, ['query', 'exchange', 'symbols.0', 'timeframe', 'columns.0']],
  ['run_backtest', { symbol: 'BTC-USD', timeframe: '1h', range: RANGE, strategy: { entry: { op: 'greater_than', left: { field: 'close' }, right: { value: 1 } }, takeProfitPct: 1 } },
    ['exchange', 'symbol', 'timeframe', 'strategy.side', 'strategy.entry.op', 'strategy.entry.left.field']],
];
/** Free-text fields: any printable text is legitimate data there, so it must be stored verbatim rather than refused. */
const FREE_TEXT = new Set(['rule.name', 'rule.message']);

function withValue(args: Record<string, unknown>, path: string, value: string): Record<string, unknown> {
  const copy = structuredClone(args);
  const parts = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const p of parts.slice(0, -1)) {
    node[p] ??= /^\d+$/.test(parts[parts.indexOf(p) + 1] ?? '') ? [] : {};
    node = node[p] as Record<string, unknown>;
  }
  node[parts.at(-1) as string] = value;
  return copy;
}

describe('hostile string arguments', () => {
  let c: TestClient;
  beforeAll(async () => {
    c = await modernClient(f.url, f.keys.admin);
  });
  afterAll(async () => {
    await c?.close();
  });

  it.each(STRING_ARGS)('%s refuses or safely stores every hostile string', async (tool, args, paths) => {
    for (const path of paths) {
      for (const payload of PAYLOADS) {
        const r = await c.call(tool, withValue(args, path, payload));
        const label = `${tool} ${path} ${JSON.stringify(payload.slice(0, 30))}`;
        expectNoLeak(r.text);
        expect(r.text.length, label).toBeLessThan(4000);
        const printable = payload.length <= 100 && !/\p{Cc}/u.test(payload);
        if (FREE_TEXT.has(path) && printable) {
          expect(r.isError, label).toBe(false);
          const stored = (r.structured.rule as { rule: Record<string, unknown> }).rule[path.split('.')[1] as string];
          expect(stored, label).toBe(payload);
        } else {
          expect(r.isError, label).toBe(true);
          if (payload.length > 1000) expect(r.text, label).not.toContain(payload.slice(0, 200));
        }
      }
    }
    const { rows } = await f.pool.query(`SELECT count(*)::int AS n FROM ${tableRef(f.schema, 'candles')}`);
    expect(rows[0].n).toBeGreaterThan(0);
  });
});

describe('audit log', () => {
  it('records key id, tool, argument digest, outcome and latency for every call', async () => {
    const before = (await f.pool.query(`SELECT coalesce(max(id), 0)::int AS id FROM ${tableRef(f.schema, 'audit_log')}`)).rows[0].id as number;
    const c = await modernClient(f.url, f.keys.backfill);
    const args = { symbols: ['ETH-USD'], timeframe: '1h', range: { from: T_END - 10 * HOUR, to: T_END - 5 * HOUR } };
    try {
      expect((await c.call('request_backfill', args)).isError).toBe(false);
      expect((await c.call('get_backfill_status', { requestId: 'bf_missing' })).isError).toBe(true);
      expect((await c.call('get_candles', { symbol: 'nope' })).isError).toBe(true);
    } finally {
      await c.close();
    }
    await f.service.flushAudits();
    const { rows } = await f.pool.query(`SELECT tool, args_digest, outcome, latency_ms FROM ${tableRef(f.schema, 'audit_log')} WHERE key_id = $1 AND id > $2 ORDER BY id`, [f.keyIds.backfill, before]);
    expect(rows.map((r: { tool: string; outcome: string }) => [r.tool, r.outcome])).toEqual([
      ['request_backfill', 'ok'], ['get_backfill_status', 'error:BACKFILL_NOT_FOUND'], ['get_candles', 'error:INVALID_INPUT'],
    ]);
    expect(rows[0].args_digest).toBe(await sha256Hex(canonicalJson(args)));
    for (const r of rows as { latency_ms: number }[]) expect(r.latency_ms).toBeGreaterThanOrEqual(0);
  });
});

describe('internal failures', () => {
  it('answers INTERNAL without message, SQL, stack or secrets from the cause', async () => {
    const seen: unknown[] = [];
    const service = createMcpService({
      ...f.deps,
      config: { ...f.deps.config, snapshotPollMs: 0 },
      read: { ...f.deps.read, latest: async () => { throw new Error('SELECT * FROM "mcp_test_x"."candles" failed for postgres://admin:hunter2@db/x'); } },
      onInternalError: (e: unknown) => seen.push(e),
    } as typeof f.deps);
    const server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    const c = await modernClient(url, f.keys.admin);
    try {
      const r = await c.call('get_latest_prices', { symbols: ['BTC-USD'] });
      expect(r.isError).toBe(true);
      expect(JSON.parse(r.text).error.code).toBe('INTERNAL');
      expect(r.text).not.toMatch(/hunter2|SELECT|postgres/);
      expect(seen).toHaveLength(1);
    } finally {
      await c.close();
      await service.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
