import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from '../../functions/lib/metrics/parse.ts';
import { PLATFORM_METRIC_NAMES, platformMetrics } from '../../functions/lib/metrics/platform.ts';
import { histogramQuantile, Registry } from '../../functions/lib/metrics/registry.ts';
import { metricsRoute } from '../../functions/lib/metrics/route.ts';

describe('Prometheus registry exposition (0.0.4)', () => {
  it('renders HELP/TYPE, escaped labels and counters/gauges that parse back to the same values', () => {
    const r = new Registry();
    const c = r.counter('errors_total', 'Errors by component\nand code \\ path.');
    c.inc({ component: 'validate', code: 'BAD "json"\\\n' }, 3);
    c.inc({ component: 'validate', code: 'BAD "json"\\\n' });
    c.inc({ component: 'enrich', code: '500' });
    const g = r.gauge('storage_bytes', 'Bytes used per store.');
    g.set({ store: 'timescale' }, 1024);
    g.set({ store: 'clickhouse' }, Infinity);
    const text = r.render();
    expect(text).toContain('# HELP errors_total Errors by component\\nand code \\\\ path.\n# TYPE errors_total counter\n');
    expect(text).toContain('errors_total{component="validate",code="BAD \\"json\\"\\\\\\n"} 4\n');
    expect(text).toContain('storage_bytes{store="clickhouse"} +Inf\n');
    expect(text.endsWith('\n')).toBe(true);
    const f = parseExposition(text);
    expect(f.get('errors_total')?.help).toBe('Errors by component\nand code \\ path.');
    expect(f.get('errors_total')?.type).toBe('counter');
    expect(sampleValue(f, 'errors_total', { component: 'validate', code: 'BAD "json"\\\n' })).toBe(4);
    expect(sampleValue(f, 'errors_total', { component: 'enrich' })).toBe(1);
    expect(sampleValue(f, 'storage_bytes', { store: 'timescale' })).toBe(1024);
    expect(f.get('storage_bytes')?.type).toBe('gauge');
  });

  it('renders histograms as cumulative _bucket{le} series plus +Inf, _sum and _count', () => {
    const r = new Registry();
    const h = r.histogram('pipeline_latency_seconds', 'Latency.', [0.1, 0.5, 1]);
    for (const v of [0.05, 0.1, 0.3, 0.7, 2, 5]) h.observe({ stage: 'timescale' }, v);
    const f = parseExposition(r.render());
    const fam = f.get('pipeline_latency_seconds')!;
    expect(fam.type).toBe('histogram');
    const buckets = fam.samples.filter((s) => s.name === 'pipeline_latency_seconds_bucket').map((s) => [s.labels.le, s.value]);
    expect(buckets).toEqual([['0.1', 2], ['0.5', 3], ['1', 4], ['+Inf', 6]]);
    expect(sampleValue(f, 'pipeline_latency_seconds_sum', { stage: 'timescale' })).toBeCloseTo(8.15, 10);
    expect(sampleValue(f, 'pipeline_latency_seconds_count', { stage: 'timescale' })).toBe(6);
    expect(fam.samples.every((s) => s.labels.stage === 'timescale')).toBe(true);
    // p50 = rank 3 of 6 falls at the top of the (0.1, 0.5] bucket; p99 beyond the last finite bound reports it.
    const s = h.get({ stage: 'timescale' })!;
    expect(histogramQuantile(0.5, h.buckets, s)).toBeCloseTo(0.5, 10);
    expect(histogramQuantile(0.99, h.buckets, s)).toBe(1);
  });

  it('refuses invalid names, reserved labels and a name registered with two types', () => {
    const r = new Registry();
    expect(() => r.counter('bad-name', 'x')).toThrow(/invalid metric name/);
    expect(() => r.histogram('h', 'x', [1]).observe({ le: '1' }, 1)).toThrow(/reserved/);
    expect(() => r.counter('c', 'x').inc({ 'bad-label': 'v' })).toThrow(/invalid label name/);
    r.counter('same', 'x');
    expect(() => r.gauge('same', 'x')).toThrow(/already registered as a counter/);
    expect(() => r.counter('c', 'x').inc({}, -1)).toThrow(/cannot increase/);
  });

  it('registers every platform metric the seed asks for and serves them through metricsRoute', async () => {
    expect(PLATFORM_METRIC_NAMES).toEqual(expect.arrayContaining([
      'ingest_messages_total', 'pipeline_latency_seconds', 'errors_total', 'dead_letters_total', 'storage_bytes', 'query_duration_seconds',
      'stream_last_message_timestamp_seconds', 'stream_freshness_seconds', 'stream_reconnects_total', 'consumer_lag', 'cryptocompare_quota_remaining',
    ]));
    const m = platformMetrics();
    m.ingestMessages.inc({ stream: 'ws', type: 'candle' }, 7);
    m.consumerLag.set({ group: 'timescale-sink', topic: 'ohlcv-validated', partition: '0' }, 12);
    m.quotaRemaining.set({ window: 'minute' }, 3);
    const app = new Hono();
    app.route('/', metricsRoute(m.registry));
    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const f = parseExposition(await res.text());
    expect([...f.keys()]).toEqual(m.registry.names());
    expect(sampleValue(f, 'ingest_messages_total', { stream: 'ws', type: 'candle' })).toBe(7);
    expect(sampleValue(f, 'consumer_lag', { group: 'timescale-sink', partition: '0' })).toBe(12);
    expect(sampleValue(f, 'cryptocompare_quota_remaining', { window: 'minute' })).toBe(3);
  });
});
