/**
 * Alert rules live in the platform's alert_rules table: what MCP create_alert_rule writes is what the alerts function
 * (served as `npm run fn -- alerts` builds it, with TIMESCALE_URL) evaluates, and a paused rule stops firing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../functions/lib/state/index.ts';
import { createNodeApp } from '../../scripts/lib/function-apps.ts';
import { postBatch, serveApp } from '../functions/helpers/runtimes.ts';
import { series } from '../functions/helpers/candles.ts';
import { modernClient } from './clients.ts';
import type { TestClient } from './clients.ts';
import { startFixture } from './fixture.ts';
import type { Fixture } from './fixture.ts';

let f: Fixture;
let c: TestClient;
beforeAll(async () => {
  f = await startFixture({ snapshotPollMs: 0 });
  c = await modernClient(f.url, f.keys.alerts);
});
afterAll(async () => {
  await c?.close();
  await f?.stop();
});

async function alertsFor(closes: number[]): Promise<string[][]> {
  const saved = process.env.TIMESCALE_URL;
  process.env.TIMESCALE_URL = f.platform.url;
  let app;
  try {
    app = await createNodeApp('alerts', new MemoryStateStore());
  } finally {
    if (saved === undefined) delete process.env.TIMESCALE_URL;
    else process.env.TIMESCALE_URL = saved;
  }
  const served = await serveApp(app);
  try {
    const answers = await postBatch<{ ruleId: string }>(served.url, series(closes, { symbol: 'DOGE-USD' }));
    return answers.map((a) => (a.ok ? a.messages.map((m) => m.ruleId) : [`dead:${a.deadLetter.reasonCode}`]));
  } finally {
    await served.stop();
  }
}

describe('alert rules in alert_rules', () => {
  it('stores the rule columns, and the alerts function fires the rule until it is paused', async () => {
    const rule = { name: 'doge above 105', symbol: 'DOGE-USD', timeframe: '1m', condition: { type: 'price_threshold', op: 'above', level: 105 }, trigger: { mode: 'once_per_interval', intervalMs: 60_000 },
      severity: 'critical', message: 'doge is up', expiresAt: Date.now() + 86_400_000 };
    const created = await c.call('create_alert_rule', { rule });
    expect(created.isError).toBe(false);
    const id = (created.structured.rule as { id: string }).id;

    const { rows } = await f.platform.pool.query(
      `SELECT owner_key_id, exchange, symbol, timeframe, frequency, interval_ms, name, message, severity, status, active, expires_at IS NOT NULL AS expires, rule->>'name' AS rule_name
         FROM alert_rules WHERE id = $1`, [id]);
    expect(rows[0]).toEqual({ owner_key_id: f.keyIds.alerts, exchange: null, symbol: 'DOGE-USD', timeframe: '1m', frequency: 'once_per_interval', interval_ms: '60000',
      name: 'doge above 105', message: 'doge is up', severity: 'critical', status: 'active', active: true, expires: true, rule_name: 'doge above 105' });

    expect(await alertsFor([100, 106, 104, 107])).toEqual([[], [id], [], [id]]);

    expect((await c.call('update_alert_rule', { ruleId: id, status: 'paused' })).isError).toBe(false);
    expect((await f.platform.pool.query('SELECT active FROM alert_rules WHERE id = $1', [id])).rows[0]).toEqual({ active: false });
    expect(await alertsFor([100, 106])).toEqual([[], []]);
  });

  it('keeps rules per API key', async () => {
    const other = await modernClient(f.url, f.keys.admin);
    try {
      const created = await c.call('create_alert_rule', { rule: { name: 'mine', symbol: 'BTC-USD', timeframe: '1h', condition: { type: 'price_threshold', op: 'below', level: 1 } } });
      const id = (created.structured.rule as { id: string }).id;
      expect(((await other.call('list_alert_rules', {})).structured.rules as { id: string }[]).map((r) => r.id)).not.toContain(id);
      expect((await other.call('delete_alert_rule', { ruleId: id })).structured.deleted).toBe(false);
      expect((await c.call('delete_alert_rule', { ruleId: id })).structured.deleted).toBe(true);
    } finally {
      await other.close();
    }
  });
});
