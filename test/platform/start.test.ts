/**
 * `npm start` as agents and operators meet it: bootPlatform (the same boot scripts/start.ts runs) on a temp DATA_DIR,
 * free ports and an accelerated simulator, then everything through the one HTTP server: MCP with the admin key the
 * first start created, the dashboard page, /metrics, and the monitor's system events on the alerts topic.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from '../../functions/lib/metrics/parse.ts';
import { DEFAULT_THRESHOLDS } from '../../functions/lib/monitor/evaluate.ts';
import { SystemEvent } from '../../schemas/alerts.ts';
import { createPlatformKeyStore } from '../../functions/mcp/adapters/platform-stores.ts';
import { ensureFirstAdminKey } from '../../scripts/lib/mcp-platform.ts';
import { bootPlatform, type Platform } from '../../scripts/lib/platform.ts';
import { openStores } from '../../scripts/lib/stores.ts';
import { modernClient, type TestClient } from '../mcp/clients.ts';
import { until } from '../pipeline/helpers.ts';

const SIM_START = Date.now() - 2 * 3_600_000;

let dir: string;
let platform: Platform;
let consumer: Consumer;
let mcp: TestClient | undefined;
const systemEvents: SystemEvent[] = [];
const progress: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'platform-start-'));
  // 120x: a 1m candle closes every half second, so the monitor's stream cadence is 0.5 s; stale after 3 s behind it.
  platform = await bootPlatform({
    dataDir: join(dir, 'data'), port: 0, seed: 5, simulatorSpeed: 120, simulatorStart: SIM_START, ingestBatchPeriodMs: 100,
    monitorIntervalMs: 500, monitorThresholds: { ...DEFAULT_THRESHOLDS, staleAfterSeconds: 3 }, progress: (line) => progress.push(line),
    env: { ...process.env, SYMBOLS: 'BTC-USD,ETH-USD', EXCHANGE: 'cccagg', KAFKA_BROKERS: '', TIMESCALE_URL: '', CLICKHOUSE_URL: '', CRYPTOCOMPARE_API_KEY: '' },
  });
  consumer = new Kafka({ clientId: 'platform-test', brokers: platform.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).consumer({ groupId: `platform-test-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: ['alerts'], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const parsed = SystemEvent.safeParse(JSON.parse(message.value?.toString() ?? 'null'));
      if (parsed.success) systemEvents.push(parsed.data);
    },
  });
}, 170_000);

afterAll(async () => {
  await mcp?.close();
  await consumer?.disconnect();
  await platform?.stop();
  await rm(dir, { recursive: true, force: true });
}, 90_000);

describe('npm start: one server for MCP, dashboard, functions and metrics', () => {
  it('creates an admin key on the first start and never lists it among what runs where', () => {
    expect(platform.adminKey).toMatch(/^amk_[a-f0-9]{12}_/);
    const lines = platform.describe().join('\n');
    expect(lines).toContain(platform.mcpUrl);
    expect(lines).toContain(platform.dashboardUrl);
    expect(lines).toContain(platform.metricsUrl);
    expect(lines).not.toContain(platform.adminKey);
  });

  it('creates no further key once one exists (what a later start on the same data finds)', async () => {
    const stores = openStores({ timescaleUrl: platform.timescaleUrl, clickhouseUrl: platform.clickhouseUrl }, 1);
    try {
      expect(await ensureFirstAdminKey(createPlatformKeyStore(stores.timescale))).toBeUndefined();
      expect((await createPlatformKeyStore(stores.timescale).list()).map((k) => k.scopes)).toEqual([['admin']]);
    } finally {
      await stores.close();
    }
  });

  it('MCP (SDK v2 client, admin key) lists the tools and serves candles the pipelines stored', async () => {
    mcp = await modernClient(platform.mcpUrl, platform.adminKey as string);
    const tools = (await mcp.listTools()).map((t) => t.name);
    expect(tools).toEqual(expect.arrayContaining(['get_candles', 'get_latest_prices', 'list_markets', 'create_alert_rule', 'request_backfill']));
    let candles: Array<{ t: number; close?: number }> = [];
    const client = mcp;
    await until(async () => {
      const r = await client.call('get_candles', { exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1m', range: { from: SIM_START - 3_600_000, to: Date.now() }, limit: 1000 });
      expect(r.isError, r.text).toBe(false);
      candles = (r.structured.candles ?? []) as typeof candles;
      return candles.length >= 3;
    }, 1000);
    expect(candles.every((c) => typeof c.close === 'number' && c.close > 0)).toBe(true);
    expect(candles.map((c) => c.t)).toEqual([...candles.map((c) => c.t)].sort((a, b) => a - b));
  }, 120_000);

  it('an alert rule created over MCP is evaluated by the alerts function and its events come back through get_events', async () => {
    const client = mcp as TestClient;
    const created = await client.call('create_alert_rule', {
      rule: { name: 'always above', symbol: 'BTC-USD', timeframe: '1m', condition: { type: 'price_threshold', op: 'above', level: 0.0001 }, trigger: { mode: 'once_per_bar_close' } },
    });
    expect(created.isError, created.text).toBe(false);
    const ruleId = (created.structured.rule as { id: string }).id;
    await until(async () => {
      const r = await client.call('get_events', { kinds: ['alert'], symbols: ['BTC-USD'], limit: 200 });
      expect(r.isError, r.text).toBe(false);
      return (r.structured.events as Array<{ ruleId?: string }>).some((e) => e.ruleId === ruleId);
    }, 1000);
  }, 120_000);

  it('refuses MCP calls without a key', async () => {
    const res = await fetch(platform.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    expect(res.status).toBe(401);
  });

  it('serves the dashboard page at / and a function under /fn/NAME/', async () => {
    const page = await fetch(platform.dashboardUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect((await page.text()).toLowerCase()).toContain('<!doctype html>');
    const health = await fetch(`${platform.url}/fn/validate/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', function: 'validate' });
  });

  it('exposes ingestion, function, store and broker metrics at /metrics', async () => {
    let families = parseExposition('');
    // Lag per pipeline group (once each has committed); the per-process throw-away groups (dashboard feed) are left out.
    const lagGroups = (): string[] => (families.get('consumer_lag')?.samples ?? []).map((x) => x.labels.group ?? '');
    await until(async () => {
      families = parseExposition(await (await fetch(platform.metricsUrl)).text());
      return sampleValue(families, 'ingest_messages_total', { stream: 'ws', type: 'candle' }) > 0
        && sampleValue(families, 'pipeline_latency_seconds_count', { stage: 'validate' }) > 0
        && sampleValue(families, 'pipeline_latency_seconds_count', { stage: 'enrich' }) > 0
        && lagGroups().includes('validate') && lagGroups().includes('sink-timescale');
    }, 1000);
    for (const name of ['dead_letters_total', 'errors_total', 'query_duration_seconds', 'consumer_lag', 'stream_last_message_timestamp_seconds', 'input_received']) {
      expect(families.has(name), name).toBe(true);
    }
    // A refused element is a dead letter, a malformed batch an error of the function: both counted by the app factory.
    const post = (body: string): Promise<Response> => fetch(`${platform.url}/fn/validate/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const refused = (await (await post('[{"not":"a candle"}]')).json()) as Array<{ ok: boolean; deadLetter?: { reasonCode: string } }>;
    expect(refused[0]).toMatchObject({ ok: false, deadLetter: { reasonCode: 'SCHEMA_INVALID' } });
    expect((await post('{not json')).status).toBe(400);
    families = parseExposition(await (await fetch(platform.metricsUrl)).text());
    expect(sampleValue(families, 'dead_letters_total', { stage: 'validate', reason: 'SCHEMA_INVALID' })).toBeGreaterThan(0);
    expect(sampleValue(families, 'errors_total', { component: 'validate', code: 'INVALID_JSON' })).toBe(1);
    expect(sampleValue(families, 'storage_bytes', { store: 'broker' })).toBeGreaterThan(0);
    expect(sampleValue(families, 'storage_bytes', { store: 'timescale' })).toBeGreaterThan(0);
    expect(lagGroups().filter((g) => g.startsWith('dashboard-'))).toEqual([]);
  }, 120_000);

  it('a stalled simulator fires a system stream_stale event on the alerts topic, resolved once data flows again', async () => {
    const sim = platform.simulator;
    if (sim === undefined) throw new Error('the platform runs on the simulator here');
    // Wait until the monitor sees the stream, so the stall is what makes it stale.
    await until(async () => platform.ingest !== undefined && platform.ingest.freshness(Date.now()).some((s) => s.stream === 'cccagg:BTC-USD:1m'));
    const firedBefore = systemEvents.filter((e) => e.check === 'stream_stale' && e.status === 'firing').length;
    sim.context.faults.stall = true;
    const fired = (): SystemEvent[] => systemEvents.filter((e) => e.check === 'stream_stale' && e.status === 'firing' && e.subject === 'cccagg:BTC-USD:1m');
    await until(async () => fired().length > firedBefore);
    const event = fired().at(-1) as SystemEvent;
    expect(event).toMatchObject({ kind: 'system', check: 'stream_stale', subject: 'cccagg:BTC-USD:1m' });
    expect(event.value).toBeGreaterThanOrEqual(3);
    sim.context.faults.stall = false;
    await until(async () => systemEvents.some((e) => e.check === 'stream_stale' && e.status === 'resolved' && e.subject === 'cccagg:BTC-USD:1m' && e.at > event.at));
    // The events sink stores system events too, so agents see them over MCP.
    const client = mcp as TestClient;
    await until(async () => {
      const r = await client.call('get_events', { kinds: ['system'], limit: 200 });
      return (r.structured.events as Array<{ id: string }>).some((e) => e.id === event.id);
    }, 1000);
  }, 150_000);

  it('reported no failure of the monitor, the metrics refresh or MCP while running', () => {
    expect(progress.filter((l) => /^(monitor|metrics|mcp)/.test(l))).toEqual([]);
  });
});
