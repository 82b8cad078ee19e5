import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createRateLimiter, RATE_WINDOWS } from '../../functions/lib/cryptocompare/rate-limiter.ts';
import { createRestClient } from '../../functions/lib/cryptocompare/rest-client.ts';
import { createStreamerClient, type WebSocketConstructor } from '../../functions/lib/cryptocompare/ws/index.ts';
import { parseExposition } from '../../functions/lib/metrics/parse.ts';
import { platformMetrics } from '../../functions/lib/metrics/platform.ts';
import { metricsRoute } from '../../functions/lib/metrics/route.ts';
import { DEFAULT_THRESHOLDS, EMPTY_STATE, evaluateMonitor, type MonitorState } from '../../functions/lib/monitor/evaluate.ts';
import { FreshnessTracker } from '../../functions/lib/monitor/freshness.ts';
import { monitorInputFromMetrics } from '../../functions/lib/monitor/from-metrics.ts';
import { AlertsMessage, type SystemEvent } from '../../schemas/alerts.ts';
import { startBroker, type BrokerHandle } from '../../scripts/engines/broker/index.ts';
import { manualClock } from '../../scripts/engines/simulator/clock.ts';
import { startSimulator, type RunningSimulator } from '../../scripts/engines/simulator/server.ts';
import { alertsPublisher } from '../../scripts/monitor/kafka.ts';
import { startMonitorRunner } from '../../scripts/monitor/runner.ts';

const T = { ...DEFAULT_THRESHOLDS, staleAfterSeconds: 1 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function listen(app: Hono): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ server, url: `http://127.0.0.1:${info.port}` }));
  });
}

describe('monitor evaluator (pure)', () => {
  it('fires once, stays quiet while firing, does not flap inside the hysteresis band, resolves once, with stable ids', () => {
    const at = (now: number, bytes: number) => ({ now, storage: [{ store: 'timescale', bytes, capacityBytes: 100 }] });
    const a = evaluateMonitor(EMPTY_STATE, at(1000, 90), T);
    expect(a.events.map((e) => [e.check, e.status, e.subject])).toEqual([['storage_capacity', 'firing', 'timescale']]);
    expect(a.events.every((e) => AlertsMessage.safeParse(e).success)).toBe(true);
    // Same input again, and a dip to 80% (above 85% x 0.8 = 68%): no new event.
    expect(evaluateMonitor(a.state, at(2000, 90), T).events).toEqual([]);
    const b = evaluateMonitor(a.state, at(3000, 80), T);
    expect(b.events).toEqual([]);
    const c = evaluateMonitor(b.state, at(4000, 60), T);
    expect(c.events.map((e) => [e.status, e.severity])).toEqual([['resolved', 'info']]);
    expect(c.events[0]!.id).toBe(a.events[0]!.id.replace(/:firing$/, ':resolved'));
    // Re-evaluating from the same state yields the same ids (idempotent re-emission).
    expect(evaluateMonitor(EMPTY_STATE, at(1000, 90), T).events[0]!.id).toBe(a.events[0]!.id);
  });

  it('data gaps: a series without candles beyond N cadences, and gap reports until backfilled', () => {
    const s1 = evaluateMonitor(EMPTY_STATE, { now: 10 * 60_000, series: [{ series: 'cccagg:BTC-USD:1m', lastCandleAt: 6 * 60_000, cadenceMs: 60_000 }], gaps: [{ series: 'cccagg:ETH-USD:1m', from: 0, to: 120_000 }] }, T);
    expect(s1.events.map((e) => [e.check, e.subject, e.status])).toEqual([['data_gap', 'cccagg:BTC-USD:1m', 'firing'], ['data_gap', 'cccagg:ETH-USD:1m@0', 'firing']]);
    const s2 = evaluateMonitor(s1.state, { now: 11 * 60_000, series: [{ series: 'cccagg:BTC-USD:1m', lastCandleAt: 11 * 60_000, cadenceMs: 60_000 }], gaps: [] }, T);
    expect(s2.events.map((e) => [e.subject, e.status])).toEqual([['cccagg:BTC-USD:1m', 'resolved'], ['cccagg:ETH-USD:1m@0', 'resolved']]);
    expect(s2.state.active).toEqual({});
  });
});

describe('operational alerts on real inputs', () => {
  let sim: RunningSimulator;
  const clock = manualClock(Date.UTC(2026, 0, 5, 12, 0, 0));
  let quotaSim: RunningSimulator;
  let sink: { server: ServerType; url: string };
  let scrape: { server: ServerType; url: string };
  let broker: BrokerHandle;
  let dataDir: string;
  const metrics = platformMetrics();
  const slow = { on: false };

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, host: '127.0.0.1' });
    quotaSim = await startSimulator({ port: 0, host: '127.0.0.1', clock, apiKeys: ['quota-key'], rateLimits: { minute: 10 } });
    const sinkApp = new Hono();
    sinkApp.post('/', async (c) => {
      if (slow.on) await sleep(1500);
      return c.text('ok');
    });
    sink = await listen(sinkApp);
    const m = new Hono();
    m.route('/', metricsRoute(metrics.registry));
    scrape = await listen(m);
    dataDir = mkdtempSync(join(tmpdir(), 'monitor-broker-'));
    broker = await startBroker({ port: 0, dataDir });
  });

  afterAll(async () => {
    await sim?.stop();
    await quotaSim?.stop();
    sink?.server.close();
    scrape?.server.close();
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stream_stale fires on the simulator stall fault (freshness tracking) and resolves when data flows again', async () => {
    const tracker = new FreshnessTracker(metrics);
    let messages = 0;
    const client = createStreamerClient({
      url: sim.wsUrl, WebSocket: WebSocket as unknown as WebSocketConstructor, source: 'simulator', heartbeatTimeoutMs: 60_000,
      onEvent: (e) => {
        if (e.type === 'candle' || e.type === 'trade' || e.type === 'ticker') {
          messages++;
          tracker.record('cccagg:BTC-USD', Date.now(), 1000);
        }
      },
    });
    client.subscribe(['24~CCCAGG~BTC~USD~m', '5~CCCAGG~BTC~USD', '0~Coinbase~BTC~USD']);
    try {
      while (messages < 3) await sleep(50);
      let state: MonitorState = EMPTY_STATE;
      const step = (): SystemEvent[] => {
        const r = evaluateMonitor(state, { now: Date.now(), streams: tracker.streams(Date.now()) }, T);
        state = r.state;
        return r.events;
      };
      expect(step()).toEqual([]);
      sim.context.faults.stall = true;
      // Wait past cadence (1 s) + staleAfter (1 s) of silence.
      let fired: SystemEvent[] = [];
      while (fired.length === 0) {
        await sleep(250);
        fired = step();
      }
      expect(fired.map((e) => [e.check, e.status, e.subject])).toEqual([['stream_stale', 'firing', 'cccagg:BTC-USD']]);
      const families = parseExposition(await (await fetch(`${scrape.url}/metrics`)).text());
      expect(families.get('stream_freshness_seconds')!.samples[0]!.value).toBeGreaterThanOrEqual(1);
      sim.context.faults.stall = false;
      const before = messages;
      while (messages === before) await sleep(50);
      expect(step().map((e) => [e.check, e.status])).toEqual([['stream_stale', 'resolved']]);
    } finally {
      sim.context.faults.stall = false;
      await client.stop();
    }
  });

  it('high_latency fires while the sink is slow (p99 from /metrics between scrapes) and resolves when it is fast again', async () => {
    const scrapeNow = async () => parseExposition(await (await fetch(`${scrape.url}/metrics`)).text());
    const deliver = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const receivedAt = Date.now();
        await fetch(sink.url, { method: 'POST', body: '{}' });
        metrics.pipelineLatency.observe({ stage: 'sink' }, (Date.now() - receivedAt) / 1000);
      }
    };
    // A slow sink takes 1.5 s per call against a 1 s p99 threshold; fast calls stay far below it even on a busy machine.
    const thresholds = { ...T, latencyP99Seconds: 1 };
    await deliver(1);
    let prev = await scrapeNow();
    let state: MonitorState = EMPTY_STATE;
    const step = async () => {
      const cur = await scrapeNow();
      const r = evaluateMonitor(state, monitorInputFromMetrics(prev, cur, Date.now(), () => 1000), thresholds);
      prev = cur;
      state = r.state;
      return r.events.filter((e) => e.check === 'high_latency');
    };
    await deliver(20);
    expect(await step()).toEqual([]);
    slow.on = true;
    await deliver(3);
    const fired = await step();
    expect(fired.map((e) => [e.status, e.subject])).toEqual([['firing', 'sink']]);
    expect(fired[0]!.value).toBeGreaterThan(1);
    slow.on = false;
    await deliver(20);
    expect((await step()).map((e) => [e.status, e.subject])).toEqual([['resolved', 'sink']]);
  });

  it('api_quota fires when a small-limit key nears its minute quota (REST client limiter via /stats/rate/limit), resolves after the window resets, and the runner publishes to alerts', async () => {
    const limiter = createRateLimiter();
    const client = createRestClient({ baseUrl: quotaSim.restUrl, apiKey: 'quota-key', rateLimiter: limiter });
    const quota = () => RATE_WINDOWS.flatMap((w) => {
      const s = limiter.state()[w];
      return s.limit !== null && s.remaining !== null ? [{ window: w, remaining: s.remaining, limit: s.limit }] : [];
    });
    const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'alerts', numPartitions: 3 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const runner = startMonitorRunner({
      input: async () => {
        await client.rateLimitStats();
        // Mirror the limiter into the gauges, as the ingestion worker does.
        for (const q of quota()) {
          metrics.quotaRemaining.set({ window: q.window }, q.remaining);
          metrics.quotaLimit.set({ window: q.window }, q.limit);
        }
        return { now: clock.now(), quota: quota() };
      },
      publish: alertsPublisher(producer),
      thresholds: T,
      intervalMs: 0,
    });
    try {
      expect(await runner.tick()).toEqual([]);
      // /stats/rate/limit itself is free: 9 calls leave 1 of 10 (10%).
      for (let i = 0; i < 9; i++) await client.exchanges();
      const fired = await runner.tick();
      expect(fired.map((e) => [e.check, e.status, e.subject])).toEqual([['api_quota', 'firing', 'minute']]);
      expect(fired[0]!.value).toBeLessThanOrEqual(0.1);
      clock.advance(60_000);
      const resolved = await runner.tick();
      expect(resolved.map((e) => [e.check, e.status, e.subject])).toEqual([['api_quota', 'resolved', 'minute']]);

      const consumer = kafka.consumer({ groupId: `monitor-test-${Date.now()}` });
      await consumer.connect();
      await consumer.subscribe({ topic: 'alerts', fromBeginning: true });
      const seen: { key: string; value: SystemEvent }[] = [];
      await consumer.run({ eachMessage: async ({ message }) => void seen.push({ key: message.key!.toString(), value: JSON.parse(message.value!.toString()) as SystemEvent }) });
      while (seen.length < 2) await sleep(50);
      await consumer.disconnect();
      expect(seen.map((m) => m.value.status).sort()).toEqual(['firing', 'resolved']);
      expect(seen.every((m) => m.key === m.value.id && m.value.kind === 'system' && AlertsMessage.safeParse(m.value).success)).toBe(true);
    } finally {
      runner.stop();
      await producer.disconnect();
    }
  });
});
