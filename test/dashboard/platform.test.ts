import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Kafka, logLevel } from 'kafkajs';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformMetrics } from '../../functions/lib/metrics/platform.ts';
import { createReadLayer } from '../../functions/lib/read/index.ts';
import { startNodeDashboard } from '../../scripts/lib/dashboard-node.ts';
import { bootPlatform, type Platform } from '../../scripts/lib/platform.ts';
import { openStores, type StoreClients } from '../../scripts/lib/stores.ts';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PIPELINES = ['ingest.yaml', 'validate.yaml', 'enrich-indicators.yaml', 'alerts.yaml', 'sink-timescale.yaml', 'sink-clickhouse.yaml', 'sink-events.yaml', 'sink-dead-letters.yaml', 'sink-metadata.yaml'];

let dir: string;
let platform: Platform;
let stores: StoreClients;
let dashboard: Awaited<ReturnType<typeof startNodeDashboard>>;
let server: ServerType;
let url = '';
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
  stores = openStores({ timescaleUrl: platform.timescaleUrl, clickhouseUrl: platform.clickhouseUrl });
  dashboard = await startNodeDashboard({
    kafka: new Kafka({ brokers: platform.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }),
    read: createReadLayer(stores), registry: platformMetrics().registry, exchange: platform.exchange, symbols: platform.symbols,
  });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: dashboard.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      url = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
  context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: '/usr/bin/chromium', args: ARGS, headless: true });
}, 170_000);

afterAll(async () => {
  await context?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await dashboard?.stop();
  await stores?.close();
  await platform?.stop();
  delete process.env.ALERT_RULES_FILE;
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('dashboard on the booted platform (npm start boot: simulator -> Kafka -> functions -> stores)', () => {
  it('loads history from the read layer, updates live from ohlcv-enriched and shows alerts from the alerts topic', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => Number(document.getElementById('chart')?.dataset.bars ?? 0) > 0, undefined, { timeout: 90_000 });
    const first = Number(await page.evaluate(() => document.getElementById('chart')!.dataset.lastTime));
    await page.waitForFunction((t) => Number(document.getElementById('chart')!.dataset.lastTime) > t, first, { timeout: 90_000 });
    await page.waitForSelector('#alerts li.alert', { timeout: 90_000 });
    // Reload: the bars now come from the stores through the read layer.
    await page.reload();
    await page.waitForFunction(() => Number(document.getElementById('chart')?.dataset.bars ?? 0) > 1, undefined, { timeout: 90_000 });
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/dashboard-platform.png', fullPage: true });
    expect(errors).toEqual([]);
  }, 300_000);
});
