import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDashboardApp } from '../../functions/dashboard/app.ts';
import { createHealthSampler } from '../../functions/dashboard/health.ts';
import { createEventHub } from '../../functions/dashboard/hub.ts';
import { createRestClient } from '../../functions/lib/cryptocompare/rest-client.ts';
import { createStreamerClient, type StreamerClient, type WebSocketConstructor } from '../../functions/lib/cryptocompare/ws/index.ts';
import { platformMetrics } from '../../functions/lib/metrics/platform.ts';
import { DEFAULT_THRESHOLDS } from '../../functions/lib/monitor/evaluate.ts';
import { FreshnessTracker } from '../../functions/lib/monitor/freshness.ts';
import { acceleratedClock } from '../../scripts/engines/simulator/clock.ts';
import { startSimulator, type RunningSimulator } from '../../scripts/engines/simulator/server.ts';
import { chartLibraryReader } from '../../scripts/lib/dashboard-assets.ts';
import { restHistory } from '../../scripts/lib/dashboard-rest-history.ts';
import { startMonitorRunner, type MonitorRunner } from '../../scripts/monitor/runner.ts';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let sim: RunningSimulator;
let ws: StreamerClient;
let server: ServerType;
let url = '';
let context: BrowserContext;
let page: Page;
let profile: string;
let monitor: MonitorRunner;
let monitorTimer: ReturnType<typeof setInterval>;
let samplerTimer: ReturnType<typeof setInterval>;

beforeAll(async () => {
  // 60x: a 1m candle closes every wall second, so the chart visibly grows.
  sim = await startSimulator({ port: 0, host: '127.0.0.1', clock: acceleratedClock(60), symbols: ['BTC-USD', 'ETH-USD'] });
  const hub = createEventHub();
  const metrics = platformMetrics();
  const freshness = new FreshnessTracker(metrics);
  ws = createStreamerClient({
    url: sim.wsUrl, WebSocket: WebSocket as unknown as WebSocketConstructor, source: 'simulator', heartbeatTimeoutMs: 60_000,
    onEvent: (e) => {
      if (e.type !== 'candle') return;
      metrics.ingestMessages.inc({ stream: 'ws', type: 'candle' });
      freshness.record('ws:cccagg', Date.now(), 1000);
      hub.publish({ type: 'candle', data: e.candle });
    },
  });
  ws.subscribe(['24~CCCAGG~BTC~USD~m', '24~CCCAGG~ETH~USD~m']);

  // The operational monitor on the live feed: its events go to the dashboard like the alerts topic would.
  monitor = startMonitorRunner({
    input: async () => ({ now: Date.now(), streams: freshness.streams(Date.now()) }),
    publish: async (events) => events.forEach((e) => hub.publish({ type: 'system', data: e })),
    thresholds: { ...DEFAULT_THRESHOLDS, staleAfterSeconds: 1 },
    intervalMs: 0,
  });
  monitorTimer = setInterval(() => void monitor.tick(), 250);

  const sampler = createHealthSampler({ render: () => metrics.registry.render(), windowMs: 10_000 });
  sampler.sample();
  samplerTimer = setInterval(() => sampler.sample(), 500);
  const app = createDashboardApp({
    read: restHistory(createRestClient({ baseUrl: sim.restUrl })),
    subscribe: hub.subscribe,
    health: () => Promise.resolve(sampler.snapshot(hub.recent())),
    recentAlerts: () => Promise.resolve(hub.recent()),
    chartLibrary: chartLibraryReader(),
    exchange: 'cccagg',
    symbols: ['BTC-USD', 'ETH-USD'],
    healthEveryMs: 1000,
    heartbeatMs: 2000,
  });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      url = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
  profile = mkdtempSync(join(tmpdir(), 'dashboard-chromium-'));
  // The temp profile is passed as userDataDir: playwright turns it into --user-data-dir.
  context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: ARGS, headless: true });
  page = await context.newPage();
});

afterAll(async () => {
  clearInterval(monitorTimer);
  clearInterval(samplerTimer);
  monitor?.stop();
  await context?.close();
  await ws?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  (server as unknown as { closeAllConnections?: () => void } | undefined)?.closeAllConnections?.();
  await sim?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const chartData = () => page.evaluate(() => {
  const d = document.getElementById('chart')!.dataset;
  return { bars: Number(d.bars ?? 0), lastTime: Number(d.lastTime ?? 0), timeframe: d.timeframe ?? '' };
});

describe('dashboard in chromium', () => {
  it('serves the API: candles history, health and the chart library from the package', async () => {
    const candles = (await (await fetch(`${url}/api/candles?symbol=BTC-USD&timeframe=1h&from=${Date.now() - 86_400_000}&to=${Date.now()}`)).json()) as { candles: { timestamp: number }[] };
    expect(candles.candles.length).toBeGreaterThan(0);
    expect(candles.candles.every((c) => c.timestamp % 3_600_000 === 0)).toBe(true);
    expect((await fetch(`${url}/api/candles?timeframe=2m`)).status).toBe(400);
    const health = (await (await fetch(`${url}/api/health`)).json()) as Record<string, unknown>;
    expect(Object.keys(health)).toEqual(expect.arrayContaining(['ingestRate', 'latencyP99Seconds', 'consumerLag', 'freshnessSeconds', 'storageBytes', 'quotaRemaining', 'deadLetters']));
    const lib = await fetch(`${url}/vendor/lightweight-charts.js`);
    expect(lib.status).toBe(200);
    expect(await lib.text()).toContain('LightweightCharts');
  });

  it('shows live candles, switches timeframe, shows a simulator-caused system alert, and saves a screenshot', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => Number(document.getElementById('chart')?.dataset.bars ?? 0) > 0);
    const first = await chartData();
    expect(first.timeframe).toBe('1m');
    // Live: the last bar moves forward without a reload.
    await page.waitForFunction((t) => Number(document.getElementById('chart')!.dataset.lastTime) > t, first.lastTime);
    expect((await chartData()).lastTime).toBeGreaterThan(first.lastTime);
    // Rates come from the sampler's window: the section turns from "warming up" to numbers without a reload.
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#health table[data-section="ingestRate"]')?.dataset.state === 'ok');
    expect(Number(await page.textContent('#health table[data-section="ingestRate"] td.v'))).toBeGreaterThan(0);
    // No section is a bare dash: each holds numbers, an explicit none (0) or says why it has no value yet.
    expect(await page.$$eval('#health table', (ts) => ts.map((t) => (t as HTMLElement).dataset.state).filter((s) => !['ok', 'none', 'waiting'].includes(s ?? '')))).toEqual([]);
    expect(await page.$$eval('#health td', (tds) => tds.filter((td) => td.textContent === '—').length)).toBe(0);

    await page.click('button.tf[data-tf="5m"]');
    await page.waitForFunction(() => document.getElementById('chart')!.dataset.timeframe === '5m' && Number(document.getElementById('chart')!.dataset.bars) > 0);
    const five = await chartData();
    expect(five.lastTime % 300).toBe(0);
    expect(await page.getAttribute('button.tf[data-tf="5m"]', 'aria-pressed')).toBe('true');

    // The condition: the simulator stalls its WebSocket; the monitor sees the stream go stale and the feed shows it.
    sim.context.faults.stall = true;
    await page.waitForSelector('#alerts li.system.firing');
    expect(await page.textContent('#alerts li.system.firing b')).toContain('stream_stale');
    // The health panel counts the firing check until its resolution arrives.
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#health table[data-section="firing"]')?.dataset.state === 'ok');
    expect(await page.textContent('#health table[data-section="firing"] tr')).toContain('stream_stale');
    sim.context.faults.stall = false;
    await page.waitForSelector('#alerts li.system.resolved');
    // Newest first: the resolution sits above the firing.
    expect(await page.getAttribute('#alerts li:first-child', 'class')).toContain('resolved');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#health table[data-section="firing"]')?.dataset.state === 'none');

    // A page opened now shows the alerts that fired before it (replayed on load), in the same order.
    const later = await context.newPage();
    later.on('pageerror', (e) => errors.push(e.message));
    await later.goto(url);
    await later.waitForSelector('#alerts[data-loaded="true"] li.system.resolved');
    expect(await later.getAttribute('#alerts li.system.firing', 'data-id')).toBe(await page.getAttribute('#alerts li.system.firing', 'data-id'));
    expect(await later.getAttribute('#alerts li:first-child', 'class')).toContain('resolved');
    await later.close();

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/dashboard.png', fullPage: true });
    expect(errors).toEqual([]);
  });
});
