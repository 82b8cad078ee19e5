import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableRef } from '../../functions/mcp/adapters/sql-schema.ts';
import { createSqlRuleSource } from '../../functions/mcp/adapters/platform-rules.ts';
import { legacyClient, modernClient } from './clients.ts';
import type { TestClient } from './clients.ts';
import { HOUR, HOURS, MINUTE, T_END, seedCandles, startFixture } from './fixture.ts';
import type { Fixture } from './fixture.ts';

let f: Fixture;
beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => {
  await f?.stop();
});

const MONTH = { from: T_END - HOURS * HOUR, to: T_END };
const EXPECTED_TOOLS = ['get_candles', 'get_latest_prices', 'get_indicators', 'list_markets', 'get_data_quality', 'request_backfill', 'get_backfill_status',
  'create_alert_rule', 'list_alert_rules', 'update_alert_rule', 'delete_alert_rule', 'get_events', 'run_analytics', 'run_backtest'];

type Candle = { t: number; close?: number; state?: string; flags?: string[]; candles?: number; open?: number };

describe.each([['modern (SDK v2, auto)', modernClient], ['legacy (SDK v1, 2025-era)', legacyClient]] as const)('every tool through %s', (_label, connect) => {
  let c: TestClient;
  beforeAll(async () => {
    c = await connect(f.url, f.keys.admin);
  });
  afterAll(async () => {
    await c?.close();
  });

  it('negotiates its era and lists the 14 tools with output schemas and annotations', async () => {
    expect(c.protocolVersion()).toBe(c.era === 'modern' ? '2026-07-28' : '2025-11-25');
    const tools = await c.listTools();
    expect(tools.map((t) => t.name)).toEqual(EXPECTED_TOOLS);
    for (const t of tools) {
      expect(t.outputSchema, t.name).toBeTruthy();
      expect(typeof t.annotations?.readOnlyHint, t.name).toBe('boolean');
      expect(typeof t.annotations?.idempotentHint, t.name).toBe('boolean');
      expect(typeof t.annotations?.destructiveHint, t.name).toBe('boolean');
      expect(typeof t.annotations?.openWorldHint, t.name).toBe('boolean');
    }
    const byName = new Map(tools.map((t) => [t.name, t.annotations]));
    expect(byName.get('get_candles')?.readOnlyHint).toBe(true);
    expect(byName.get('create_alert_rule')?.readOnlyHint).toBe(false);
    expect(byName.get('delete_alert_rule')?.destructiveHint).toBe(true);
  });

  it('get_candles pages with a cursor, selects fields and carries state + quality flags', async () => {
    const first = await c.call('get_candles', { symbol: 'BTC-USD', timeframe: '1h', range: MONTH, limit: 100 });
    expect(first.isError).toBe(false);
    const candles = first.structured.candles as Candle[];
    expect(candles).toHaveLength(100);
    // 100 items: the text block carries the summary and cursor only (test/mcp/arguments.test.ts covers the rule).
    expect(JSON.parse(first.text)).toEqual({ summary: first.structured.summary, nextCursor: first.structured.nextCursor, note: expect.stringMatching(/100 items are in structuredContent/) });
    expect(candles[10]?.flags).toEqual(['gap_before']);
    expect(candles[30]?.state).toBe('revised');
    expect(typeof first.structured.summary).toBe('string');
    const cursor = first.structured.nextCursor as string;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await c.call('get_candles', { symbol: 'BTC-USD', timeframe: '1h', range: MONTH, limit: 100, cursor, fields: ['close'] });
    const next = second.structured.candles as Candle[];
    expect(next[0]?.t).toBe((candles[99]?.t ?? 0) + HOUR);
    expect(Object.keys(next[0] ?? {}).sort()).toEqual(['close', 't']);
    const minutes = await c.call('get_candles', { symbol: 'BTC-USD', timeframe: '1m', range: { from: T_END - 5 * MINUTE, to: T_END }, fields: ['state'] });
    expect((minutes.structured.candles as Candle[]).at(-1)?.state).toBe('forming');
  });

  it('get_candles downsamples a long range to at most maxPoints', async () => {
    const r = await c.call('get_candles', { symbol: 'BTC-USD', timeframe: '1h', range: MONTH, maxPoints: 50, limit: 1000 });
    const pts = r.structured.candles as Candle[];
    expect(pts.length).toBeLessThanOrEqual(50);
    expect(pts.length).toBeGreaterThan(40);
    const bucketMs = r.structured.bucketMs as number;
    expect(bucketMs % HOUR).toBe(0);
    expect(bucketMs).toBeGreaterThanOrEqual((HOURS * HOUR) / 50);
    expect(pts.reduce((n, p) => n + (p.candles ?? 0), 0)).toBe(HOURS);
    expect(r.structured.nextCursor).toBeNull();
  });

  it('get_latest_prices answers many symbols and lists the missing ones', async () => {
    const r = await c.call('get_latest_prices', { symbols: ['BTC-USD', 'ETH-USD', 'DOGE-USD'] });
    const prices = r.structured.prices as { symbol: string; state: string; timestamp: number }[];
    expect(prices.map((p) => p.symbol).sort()).toEqual(['BTC-USD', 'ETH-USD']);
    expect(r.structured.missing).toEqual(['DOGE-USD']);
    expect(prices.find((p) => p.symbol === 'BTC-USD')?.state).toBe('forming');
  });

  it('get_indicators returns values with provenance', async () => {
    const r = await c.call('get_indicators', { symbol: 'ETH-USD', timeframe: '1h', range: { from: T_END - 48 * HOUR, to: T_END }, indicators: [{ name: 'RSI', params: { period: 14 } }, { name: 'MACD' }], limit: 24 });
    expect(r.isError).toBe(false);
    const points = r.structured.points as { values: Record<string, number | null>[]; stable: boolean }[];
    expect(points).toHaveLength(24);
    expect(typeof points[0]?.values[0]?.value === 'number' || Object.values(points[0]?.values[0] ?? {}).some((v) => typeof v === 'number')).toBe(true);
    const inds = r.structured.indicators as { name: string; provenance: { method: string; stable: boolean } }[];
    expect(inds.map((i) => i.name)).toEqual(['RSI', 'MACD']);
    expect(inds[0]?.provenance.method).toMatch(/RSI/i);
    expect(inds[0]?.provenance.stable).toBe(true);
    expect(r.structured.nextCursor).not.toBeNull();
    const bad = await c.call('get_indicators', { symbol: 'ETH-USD', timeframe: '1h', range: MONTH, indicators: [{ name: 'RSI', params: { bogus: 3 } }] });
    expect(bad.isError).toBe(true);
    expect(JSON.parse(bad.text).error).toEqual(expect.objectContaining({ code: 'bad_param', message: expect.stringMatching(/bogus/) }));
  });

  it('list_markets pages through markets with coverage per store', async () => {
    const p1 = await c.call('list_markets', { limit: 2 });
    const m1 = p1.structured.markets as { exchange: string; symbol: string; coverage?: { store: string; timeframe: string; candles: number }[] }[];
    expect(m1).toHaveLength(2);
    const p2 = await c.call('list_markets', { limit: 2, cursor: p1.structured.nextCursor as string });
    const all = [...m1, ...(p2.structured.markets as typeof m1)];
    expect(all.map((m) => `${m.exchange}:${m.symbol}`)).toEqual(['cccagg:BTC-USD', 'cccagg:ETH-USD', 'cccagg:SOL-USD', 'coinbase:BTC-USD']);
    expect(all[0]?.coverage).toEqual(expect.arrayContaining([expect.objectContaining({ store: 'timescale', timeframe: '1h', candles: HOURS })]));
    const slim = await c.call('list_markets', { fields: ['active'], limit: 1 });
    expect(Object.keys((slim.structured.markets as object[])[0] ?? {}).sort()).toEqual(['active', 'exchange', 'symbol']);
  });

  it('get_data_quality reports gaps, dead letters and freshness', async () => {
    const r = await c.call('get_data_quality', {});
    expect(r.structured.gaps).toEqual([expect.objectContaining({ symbol: 'BTC-USD', timeframe: '1m', reason: 'reconnect', repaired: false })]);
    expect(r.structured.deadLetters).toEqual(expect.arrayContaining([{ stage: 'validate', reasonCode: 'OHLC_INVARIANT', count: 2, lastAt: expect.any(Number) }]));
    const fresh = r.structured.freshness as { status: string }[];
    expect(fresh.map((s) => s.status).sort()).toEqual(['connected', 'stale']);
    const only = await c.call('get_data_quality', { sections: ['freshness'] });
    expect(only.structured.gaps).toBeUndefined();
  });

  it('request_backfill queues idempotently and get_backfill_status reports it', async () => {
    const args = { symbols: ['BTC-USD'], timeframe: '1m', range: { from: T_END - 50 * MINUTE, to: T_END - 45 * MINUTE + (c.era === 'modern' ? 0 : 1) } };
    const r = await c.call('request_backfill', args);
    expect(r.structured.status).toBe('queued');
    const id = r.structured.requestId as string;
    expect(id).toMatch(/^bf_/);
    const again = await c.call('request_backfill', args);
    expect(again.structured.requestId).toBe(id);
    const s = await c.call('get_backfill_status', { requestId: id });
    expect((s.structured.progress as { status: string }).status).toBe('queued');
    const missing = await c.call('get_backfill_status', { requestId: 'bf_doesnotexist' });
    expect(missing.isError).toBe(true);
    expect(JSON.parse(missing.text).error.code).toBe('BACKFILL_NOT_FOUND');
  });

  it('creates, lists, updates and deletes alert rules', async () => {
    const rule = { name: `cross ${c.era}`, symbol: 'BTC-USD', timeframe: '1h', condition: { type: 'indicator_cross', direction: 'up', series: { indicator: 'MACD', output: 'macd' }, other: { indicator: 'MACD', output: 'signal' } },
      trigger: { mode: 'once_per_interval', intervalMs: 3_600_000 }, expiresAt: T_END + 365 * 24 * HOUR, webhookUrl: 'https://hooks.example.com/alert', severity: 'warning' };
    const created = await c.call('create_alert_rule', { rule });
    expect(created.isError).toBe(false);
    const id = (created.structured.rule as { id: string }).id;
    const listed = await c.call('list_alert_rules', { limit: 100 });
    expect((listed.structured.rules as { id: string }[]).map((r) => r.id)).toContain(id);
    const paused = await c.call('update_alert_rule', { ruleId: id, status: 'paused' });
    expect((paused.structured.rule as { status: string }).status).toBe('paused');
    const channel = await c.call('update_alert_rule', { ruleId: id, rule: { ...rule, condition: { type: 'channel', action: 'exiting', lower: 55_000, upper: 65_000 } } });
    expect((channel.structured.rule as { rule: { condition: { type: string } } }).rule.condition.type).toBe('channel');
    for (const condition of [{ type: 'price_cross', direction: 'down', level: 50_000 }, { type: 'percent_move', direction: 'any', percent: 5, bars: 12 }, { type: 'volume_spike', multiplier: 3 },
      { type: 'indicator_threshold', series: { indicator: 'RSI', output: 'rsi' }, op: 'above', value: 70 }, { type: 'pattern', pattern: 'CDLENGULFING' }]) {
      const r = await c.call('update_alert_rule', { ruleId: id, rule: { ...rule, condition, trigger: { mode: 'once' } } });
      expect(r.isError, JSON.stringify(condition) + r.text).toBe(false);
    }
    const sources = await createSqlRuleSource(f.platform.pool).list();
    expect(sources.find((s) => s.id === id)).toBeUndefined(); // paused rules are not evaluated
    await c.call('update_alert_rule', { ruleId: id, status: 'active' });
    expect((await createSqlRuleSource(f.platform.pool).list()).find((s) => s.id === id)).toEqual(expect.objectContaining({ id, symbol: 'BTC-USD', active: true, trigger: { mode: 'once' } }));
    expect((await c.call('delete_alert_rule', { ruleId: id })).structured.deleted).toBe(true);
    expect((await c.call('delete_alert_rule', { ruleId: id })).structured.deleted).toBe(false);
    const expired = await c.call('create_alert_rule', { rule: { ...rule, expiresAt: 1000 } });
    expect(expired.isError).toBe(true);
    expect(JSON.parse(expired.text).error.message).toMatch(/future/);
  });

  it('get_events returns events after a cursor and long-polls for new ones', async () => {
    const all = await c.call('get_events', {});
    const events = all.structured.events as { kind: string; id: string }[];
    expect(events.filter((e) => e.id.startsWith('seed-')).map((e) => e.kind)).toEqual(['alert', 'alert', 'alert', 'signal']);
    const tail = await c.call('get_events', { fromNow: true });
    expect(tail.structured.events).toEqual([]);
    const waiting = c.call('get_events', { cursor: tail.structured.nextCursor as string, waitMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    const id = `live-${c.era}`;
    await f.appendEvent({ kind: 'signal', id, at: T_END, emittedAt: T_END, title: 't', message: 'm', severity: 'info', exchange: 'cccagg', symbol: 'SOL-USD', timeframe: '1m', signal: 'rsi_regime', direction: 'bearish', strength: 0.5, price: 150, evidence: {} });
    const got = await waiting;
    expect((got.structured.events as { id: string }[]).map((e) => e.id)).toContain(id);
  });

  it('run_analytics runs each named query', async () => {
    const common = { symbols: ['BTC-USD', 'ETH-USD'], timeframe: '1h', range: MONTH };
    const returns = await c.call('run_analytics', { query: 'returns', ...common });
    expect((returns.structured.rows as { symbol: string; bars: number }[]).map((r) => [r.symbol, r.bars])).toEqual([['BTC-USD', HOURS], ['ETH-USD', HOURS]]);
    const vol = await c.call('run_analytics', { query: 'volatility', ...common, columns: ['symbol', 'annualized_pct'] });
    expect(vol.structured.columns).toEqual(['symbol', 'annualized_pct']);
    const corr = await c.call('run_analytics', { query: 'correlation', ...common });
    const row = (corr.structured.rows as { correlation: number }[])[0];
    expect(row?.correlation).toBeGreaterThan(0.5);
    const profile = await c.call('run_analytics', { query: 'volume_profile', ...common, buckets: 10 });
    expect((profile.structured.rows as { symbol: string }[]).filter((r) => r.symbol === 'BTC-USD').length).toBeLessThanOrEqual(10);
    const movers = await c.call('run_analytics', { query: 'top_movers', ...common, symbols: ['BTC-USD', 'ETH-USD', 'SOL-USD'] });
    expect((movers.structured.rows as unknown[]).length).toBe(3);
    const bad = await c.call('run_analytics', { query: 'correlation', ...common, symbols: ['BTC-USD'] });
    expect(bad.isError).toBe(true);
  });

  it('run_backtest reports trades, PnL, drawdown and Sharpe', async () => {
    const r = await c.call('run_backtest', {
      symbol: 'BTC-USD', timeframe: '1h', range: { from: T_END - 20 * 24 * HOUR, to: T_END },
      strategy: { entry: { op: 'crosses_above', left: { field: 'close' }, right: { indicator: { name: 'SMA', params: { period: 20 } } } },
        exit: { op: 'crosses_below', left: { field: 'close' }, right: { indicator: { name: 'SMA', params: { period: 20 } } } }, stopLossPct: 5 },
      tradesLimit: 5,
    });
    expect(r.isError).toBe(false);
    const m = r.structured.metrics as { trades: number; maxDrawdownPct: number; sharpe: number | null; totalReturnPct: number };
    expect(m.trades).toBeGreaterThan(0);
    expect(m.maxDrawdownPct).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(m.totalReturnPct)).toBe(true);
    expect((r.structured.trades as unknown[]).length).toBeLessThanOrEqual(5);
    const noExit = await c.call('run_backtest', { symbol: 'BTC-USD', timeframe: '1h', range: MONTH, strategy: { entry: { op: 'greater_than', left: { field: 'close' }, right: { value: 1 } } } });
    expect(noExit.isError).toBe(true);
  });
});

describe('market snapshot resources', () => {
  it('reads a snapshot in both eras and pushes updates over subscriptions/listen (2026-07-28)', async () => {
    const legacy = await legacyClient(f.url, f.keys.read);
    try {
      expect(JSON.parse(await legacy.readText('market://ETH-USD/snapshot'))).toEqual(expect.objectContaining({ symbol: 'ETH-USD', state: 'closed' }));
      expect(JSON.parse(await legacy.readText('market://NOPE-USD/snapshot')).error.code).toBe('UNKNOWN_SYMBOL');
      // The stateless 2025-era leg cannot push, so it must not advertise subscriptions.
      expect(legacy.subscribeCapability() ?? false).toBe(false);
    } finally {
      await legacy.close();
    }

    const modern = await modernClient(f.url, f.keys.read);
    try {
      expect(modern.subscribeCapability()).toBe(true);
      const body = JSON.parse(await modern.readText('market://BTC-USD/snapshot')) as { price: number; state: string };
      expect(body.state).toBe('forming');
      const updates: string[] = [];
      modern.raw.setNotificationHandler('notifications/resources/updated', (n) => {
        updates.push(n.params.uri);
      });
      const sub = await modern.raw.listen({ resourceSubscriptions: ['market://BTC-USD/snapshot'] });
      await seedCandles(f.pool, f.schema, 'BTC-USD', '1m', MINUTE, 1, T_END);
      for (let i = 0; i < 100 && updates.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      await sub.close();
      expect(updates).toContain('market://BTC-USD/snapshot');
      expect((JSON.parse(await modern.readText('market://BTC-USD/snapshot')) as { timestamp: number }).timestamp).toBe(T_END);
    } finally {
      await modern.close();
      await f.pool.query(`DELETE FROM ${tableRef(f.schema, 'candles')} WHERE symbol = 'BTC-USD' AND timeframe = '1m' AND ts = $1`, [T_END]);
    }
  });
});
