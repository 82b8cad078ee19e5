import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createStreamerClient, type WebSocketConstructor } from '../../functions/lib/cryptocompare/ws/index.ts';
import { platformMetrics } from '../../functions/lib/metrics/platform.ts';
import type { SystemEvent } from '../../schemas/alerts.ts';
import type { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { startBroker, type BrokerHandle } from '../../scripts/engines/broker/index.ts';
import { startSimulator, type RunningSimulator } from '../../scripts/engines/simulator/server.ts';
import { startNodeDashboard } from '../../scripts/lib/dashboard-node.ts';

let broker: BrokerHandle;
let dataDir: string;
let sim: RunningSimulator;
let producer: Producer;
let server: ServerType;
let url = '';
let dashboard: Awaited<ReturnType<typeof startNodeDashboard>>;
let kafka: Kafka;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dashboard-broker-'));
  broker = await startBroker({ port: 0, dataDir });
  sim = await startSimulator({ port: 0, host: '127.0.0.1' });
  kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'ohlcv-enriched', numPartitions: 2 }, { topic: 'alerts', numPartitions: 2 }] });
  await admin.disconnect();
  producer = kafka.producer();
  await producer.connect();
  const metrics = platformMetrics();
  metrics.consumerLag.set({ group: 'timescale-sink', topic: 'ohlcv-validated', partition: '0' }, 42);
  dashboard = await startNodeDashboard({ kafka, read: { candles: () => Promise.reject(new Error('not used')) }, registry: metrics.registry, exchange: 'cccagg', symbols: ['BTC-USD'] });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: dashboard.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      url = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await dashboard?.stop();
  await producer?.disconnect();
  await sim?.stop();
  await broker?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('dashboard Kafka feed (Node adapter)', () => {
  it('streams candles from ohlcv-enriched and system events from alerts to SSE clients, and health from the registry', async () => {
    // A real candle from the simulator's WebSocket.
    const candle = await new Promise<OhlcvMessage>((resolve) => {
      const ws = createStreamerClient({
        url: sim.wsUrl, WebSocket: WebSocket as unknown as WebSocketConstructor, source: 'simulator',
        onEvent: (e) => {
          if (e.type === 'candle') {
            void ws.stop();
            resolve(e.candle);
          }
        },
      });
      ws.subscribe(['24~CCCAGG~BTC~USD~m']);
    });
    const system: SystemEvent = {
      id: 'system:stream_stale:ws:1:firing', at: 1, emittedAt: 2, title: 'Stream ws is stale', message: 'No message for 100 s.', severity: 'warning',
      kind: 'system', check: 'stream_stale', status: 'firing', subject: 'ws', value: 100, threshold: 90,
    };
    const res = await fetch(`${url}/events`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    // The feed starts at the latest offsets once its group is assigned: produce until the client has seen both.
    const producing = setInterval(() => void producer.send({ topic: 'ohlcv-enriched', messages: [{ key: 'cccagg:BTC-USD', value: JSON.stringify(candle) }] })
      .then(() => producer.send({ topic: 'alerts', messages: [{ key: system.id, value: JSON.stringify(system) }, { key: 'bad', value: '{not json' }] })), 200);
    try {
      while (!(text.includes('event: candle') && text.includes('event: system'))) text += decoder.decode((await reader.read()).value, { stream: true });
    } finally {
      clearInterval(producing);
      await reader.cancel();
    }
    const got = [...text.matchAll(/event: (candle|system)\ndata: (.*)\n/g)];
    expect(JSON.parse(got.find((m) => m[1] === 'candle')![2]!)).toEqual(candle);
    expect(JSON.parse(got.find((m) => m[1] === 'system')![2]!)).toEqual(system);
    const health = (await (await fetch(`${url}/api/health`)).json()) as { consumerLag: Record<string, number> };
    expect(health.consumerLag).toEqual({ 'timescale-sink/ohlcv-validated': 42 });
  });

  it('replays recent alerts from the topic to a dashboard started later, without committing offsets', async () => {
    const old: SystemEvent = {
      id: 'system:data_gap:cccagg:BTC-USD:1m:5:firing', at: 5, emittedAt: 6, title: 'Gap in cccagg:BTC-USD:1m', message: 'No candle for 3 cadences.', severity: 'warning',
      kind: 'system', check: 'data_gap', status: 'firing', subject: 'cccagg:BTC-USD:1m',
    };
    await producer.send({ topic: 'alerts', messages: [{ key: old.id, value: JSON.stringify(old) }] });
    const late = await startNodeDashboard({ kafka, read: { candles: () => Promise.reject(new Error('not used')) }, registry: platformMetrics().registry, exchange: 'cccagg', symbols: ['BTC-USD'] });
    try {
      type Recent = { events: { type: string; data: { id: string } }[] };
      let recent: Recent = { events: [] };
      // Poll (yielding to I/O between reads: app.request alone never leaves the microtask queue) until the replay arrived.
      while (!recent.events.some((e) => e.data.id === old.id)) {
        await new Promise((r) => setTimeout(r, 50));
        recent = (await (await late.app.request('/api/alerts')).json()) as Recent;
      }
      expect(recent.events.find((e) => e.data.id === old.id)).toEqual({ type: 'system', data: old });
      // The bad record next to the earlier system event is skipped; each event is kept once however often it was sent.
      expect(recent.events.filter((e) => e.data.id === 'system:stream_stale:ws:1:firing')).toHaveLength(1);
      const health = (await (await late.app.request('/api/health')).json()) as { firing: Record<string, number> };
      expect(health.firing).toEqual({ data_gap: 1, stream_stale: 1 });
    } finally {
      await late.stop();
    }
    // The feeds' groups never commit: no offsets are left behind for lag reports or other consumers.
    const admin = kafka.admin();
    await admin.connect();
    try {
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith('dashboard-'));
      expect(groups.length).toBeGreaterThan(0);
      for (const groupId of groups) {
        const offsets = await admin.fetchOffsets({ groupId, topics: ['alerts', 'ohlcv-enriched'] });
        expect(offsets.flatMap((t) => t.partitions.map((p) => p.offset)).filter((o) => o !== '-1')).toEqual([]);
      }
    } finally {
      await admin.disconnect();
    }
  });
});
