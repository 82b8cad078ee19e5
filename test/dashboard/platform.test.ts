import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootPlatform, type Platform } from '../../scripts/lib/platform.ts';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PIPELINES = ['ingest.yaml', 'validate.yaml', 'enrich-indicators.yaml', 'alerts.yaml', 'sink-timescale.yaml', 'sink-clickhouse.yaml', 'sink-events.yaml', 'sink-dead-letters.yaml', 'sink-metadata.yaml'];

let dir: string;
let platform: Platform;
let context: BrowserContext;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dashboard-platform-'));
  const rules = join(dir, 'rules.json');
  // A rule the simulator's market always satisfies, so the alert feed gets user alerts from the alerts function.
  await writeFile(rules, JSON.stringify([{ id: 'always', symbol: 'BTC-USD', timeframe: '1m', condition: { type: 'price_threshold', op: 'above', level: 0.0001 }, trigger: { mode: 'once_per_bar_close' } }]));
  process.env.ALERT_RULES_FILE = rules;
  // Two simulated hours behind the wall clock at 120x: candles close every half second and stay in the past for a minute.
  platform = await bootPlatform({
    dataDir: join(dir, 'data'), port: 0, seed: 11, simulatorSpeed: 120, simulatorStart: Date.now() - 2 * 3_600_000, pipelines: PIPELINES, ingestBatchPeriodMs: 100,
    env: { ...process.env, SYMBOLS: 'BTC-USD,ETH-USD', EXCHANGE: 'cccagg', KAFKA_BROKERS: '', TIMESCALE_URL: '', CLICKHOUSE_URL: '', CRYPTOCOMPARE_API_KEY: '' },
  });
  context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: '/usr/bin/chromium', args: ARGS, headless: true });
}, 170_000);

afterAll(async () => {
  await context?.close();
  await platform?.stop();
  delete process.env.ALERT_RULES_FILE;
  await rm(dir, { recursive: true, force: true });
}, 60_000);

/** The health sections' states and value cells, as the page shows them. */
const healthShown = (page: Page) => page.$$eval('#health table', (ts) => Object.fromEntries(ts.map((t) => {
  const e = t as HTMLElement;
  return [e.dataset.section ?? '', { state: e.dataset.state ?? '', values: [...e.querySelectorAll('td.v')].map((td) => td.textContent ?? '') }];
})));

describe('dashboard on the booted platform (npm start boot: simulator -> Kafka -> functions -> stores)', () => {
  it('loads history from the read layer, updates live from ohlcv-enriched, shows health numbers and alerts, and replays alerts on load', async () => {
    const url = platform.dashboardUrl;
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(url);
    await page.waitForFunction(() => Number(document.getElementById('chart')?.dataset.bars ?? 0) > 0, undefined, { timeout: 90_000 });
    const first = Number(await page.evaluate(() => document.getElementById('chart')!.dataset.lastTime));
    await page.waitForFunction((t) => Number(document.getElementById('chart')!.dataset.lastTime) > t, first, { timeout: 90_000 });
    await page.waitForSelector('#alerts li.alert', { timeout: 90_000 });

    // The health panel of the running platform: every pipeline section reaches real numbers without a reload (health
    // ticks on the SSE stream); consumer lag comes with the first gauge refresh (the monitor's tick).
    const ready = ['candleRate', 'ingestRate', 'latencyP99Seconds', 'consumerLag', 'storeWrites', 'freshnessSeconds', 'storageBytes'];
    await page.waitForFunction((sections) => sections.every((s) => document.querySelector<HTMLElement>(`#health table[data-section="${s}"]`)?.dataset.state === 'ok'), ready, { timeout: 90_000 });
    const health = await healthShown(page);
    for (const s of ready) {
      expect(health[s]!.values.length, s).toBeGreaterThan(0);
      expect(health[s]!.values.every((v) => /^-?[\d.]+M?$/.test(v)), `${s}: ${health[s]!.values.join(', ')}`).toBe(true);
    }
    expect(Number(health.candleRate!.values[0])).toBeGreaterThan(0);
    // Dead letters and errors: counts, or an explicit none (0); never a bare dash.
    for (const s of ['deadLetters', 'errors']) expect(['ok', 'none']).toContain(health[s]!.state);
    expect(await page.$$eval('#health td', (tds) => tds.filter((td) => td.textContent === '—').length)).toBe(0);
    const storeWrites = (await page.textContent('#health table[data-section="storeWrites"]')) ?? '';
    expect(storeWrites).toContain('timescale');
    expect(storeWrites).toContain('clickhouse');

    // Reload: the bars now come from the stores through the read layer, and the newest alert seen before the reload
    // is on the page again (it was published before the new page subscribed, so only the replay can bring it).
    const seen = await page.getAttribute('#alerts li.alert', 'data-id');
    await page.reload();
    await page.waitForFunction(() => Number(document.getElementById('chart')?.dataset.bars ?? 0) > 1, undefined, { timeout: 90_000 });
    await page.waitForSelector(`#alerts[data-loaded="true"] li[data-id="${seen}"]`, { timeout: 90_000 });
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/dashboard-platform.png', fullPage: true });
    expect(errors).toEqual([]);
  }, 300_000);
});
