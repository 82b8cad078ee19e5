import { describe, expect, it } from 'vitest';
import { createHealthSampler } from '../../functions/dashboard/health.ts';
import { createEventHub, type DashboardEvent } from '../../functions/dashboard/hub.ts';
import { platformMetrics } from '../../functions/lib/metrics/platform.ts';

const system = (subject: string, status: 'firing' | 'resolved', emittedAt: number, check = 'stream_stale'): DashboardEvent => ({
  type: 'system',
  data: { id: `system:${check}:${subject}:${status}:${emittedAt}`, kind: 'system', check, subject, status, emittedAt, at: emittedAt, title: 't', message: 'm', severity: 'warning' },
});

describe('health sampler', () => {
  it('says why a section has no value yet, then reports rates over the window; reads never move the baseline', () => {
    const m = platformMetrics();
    let now = 1_000_000;
    const sampler = createHealthSampler({ render: () => m.registry.render(), windowMs: 60_000, clock: () => now });
    sampler.sample();
    const first = sampler.snapshot();
    expect(first.windowSeconds).toBe(0);
    expect(first.waiting.candleRate).toMatch(/^warming up/);
    expect(first.waiting.consumerLag).toMatch(/^warming up/);
    expect(first.deadLetters).toEqual({});
    expect(first.waiting.deadLetters).toBeUndefined();

    for (let i = 0; i < 30; i++) m.pipelineLatency.observe({ stage: 'validate' }, 0.2);
    m.ingestMessages.inc({ stream: 'ws', type: 'candle' }, 300);
    m.consumerLag.set({ group: 'validate', topic: 'ohlcv-raw', partition: '0' }, 2);
    m.consumerLag.set({ group: 'validate', topic: 'ohlcv-raw', partition: '1' }, 3);
    m.deadLetters.inc({ stage: 'validate', reason: 'DUPLICATE' });
    m.registry.counter('output_sent', 'Messages delivered by an output.').inc({ stream: 'sink-timescale.yaml', path: 'root.output' }, 30);
    // Not a sink's final output: not a store write.
    m.registry.counter('output_sent', 'Messages delivered by an output.').inc({ stream: 'validate.yaml', path: 'root.output' }, 30);
    now += 30_000;
    const h = sampler.snapshot();
    expect(h.windowSeconds).toBe(30);
    expect(h.candleRate).toEqual({ validate: 60 });
    expect(h.ingestRate).toEqual({ ws: 10 });
    expect(h.latencyP99Seconds.validate).toBeGreaterThan(0.1);
    expect(h.consumerLag).toEqual({ 'validate/ohlcv-raw': 5 });
    expect(h.storeWrites).toEqual({ timescale: 60 });
    expect(h.deadLetters).toEqual({ 'validate/DUPLICATE': 1 });
    expect(h.waiting).toEqual({ freshnessSeconds: 'warming up: not reported yet', storageBytes: 'warming up: not reported yet', quotaRemaining: 'warming up: not reported yet' });
    // A second reader sees the same window.
    expect(sampler.snapshot().candleRate).toEqual({ validate: 60 });

    // The window slides with the samples: once the burst is older than the window, the rate is 0 and p99 says why.
    sampler.sample();
    now += 61_000;
    sampler.sample();
    now += 1_000;
    const later = sampler.snapshot();
    expect(later.candleRate).toEqual({ validate: 0 });
    expect(later.waiting.latencyP99Seconds).toMatch(/^no candle finished a stage in the last \d+ s$/);
  });

  it('counts firing checks from the newest system event per check and subject', () => {
    const m = platformMetrics();
    const sampler = createHealthSampler({ render: () => m.registry.render() });
    const events = [system('a', 'firing', 1), system('b', 'firing', 2), system('a', 'resolved', 3)];
    expect(sampler.snapshot(events).firing).toEqual({ stream_stale: 1 });
    expect(sampler.snapshot([...events, system('b', 'resolved', 4)]).firing).toEqual({});
  });

  it('lists data gaps per series: each missing span and each quiet spell once, cleared or not', () => {
    const m = platformMetrics();
    const sampler = createHealthSampler({ render: () => m.registry.render() });
    const btc = 'cccagg:BTC-USD:1m';
    const events = [
      system(`${btc}@1000`, 'firing', 1, 'data_gap'), system(`${btc}@1000`, 'resolved', 2, 'data_gap'), system(`${btc}@1000`, 'firing', 3, 'data_gap'),
      system(`${btc}@5000`, 'firing', 4, 'data_gap'), system('cccagg:ETH-USD:1m', 'firing', 5, 'data_gap'), system(btc, 'firing', 6),
    ];
    const snapshot = sampler.snapshot(events);
    expect(snapshot.gaps).toEqual({ [btc]: 2, 'cccagg:ETH-USD:1m': 1 });
    expect(sampler.snapshot([]).gaps).toEqual({});
  });
});

describe('event hub recent alerts', () => {
  it('keeps the newest feed events once each, oldest first, whatever order they arrive in', () => {
    const hub = createEventHub({ keepRecent: 3 });
    for (const e of [system('x', 'firing', 5), system('x', 'firing', 2), system('x', 'firing', 9), system('x', 'firing', 5), system('x', 'firing', 7)]) hub.publish(e);
    hub.publish({ type: 'candle', data: { symbol: 'BTC-USD', timeframe: '1m' } });
    expect(hub.recent().map((e) => (e.data as { emittedAt: number }).emittedAt)).toEqual([5, 7, 9]);
  });
});
