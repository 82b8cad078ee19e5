import { afterAll, describe, expect, it } from 'vitest';
import { platformMetrics } from '../../functions/lib/metrics/platform.ts';
import { parseExposition, sampleValue } from '../../functions/lib/metrics/parse.ts';
import { loadConfigText } from '../../scripts/connect/config.ts';
import { Metrics } from '../../scripts/connect/metrics.ts';
import { HttpServers } from '../../scripts/connect/server.ts';
import { startStream } from '../../scripts/connect/stream.ts';

const N = 37;
const servers = new HttpServers();
afterAll(() => servers.closeAll());

describe('Connect runner /metrics', () => {
  it(`counts exactly ${N} generated messages through mapping -> stdout and exports platform metrics beside them`, async () => {
    const yaml = `http: { address: "127.0.0.1:0" }\nlogger: { level: OFF }\ninput:\n  generate: { count: ${N}, interval: 0s, mapping: 'root = {"n": 1}' }\npipeline:\n  processors:\n    - mapping: root = this\noutput:\n  stdout: {}\n`;
    const { config, errors } = loadConfigText(yaml, 'load.yaml');
    expect(errors).toEqual([]);
    const metrics = new Metrics();
    const platform = platformMetrics(metrics.registry);
    const stream = await startStream(config!, { servers, metrics });
    await stream.done;
    platform.ingestMessages.inc({ stream: 'generate', type: 'candle' }, N);
    const res = await fetch(`http://127.0.0.1:${stream.httpPort}/metrics`);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const f = parseExposition(await res.text());
    expect(f.get('input_received')?.type).toBe('counter');
    expect(sampleValue(f, 'input_received', { path: 'root.input' })).toBe(N);
    expect(sampleValue(f, 'processor_received', { path: 'root.pipeline.processors.0' })).toBe(N);
    expect(sampleValue(f, 'processor_sent', { path: 'root.pipeline.processors.0' })).toBe(N);
    expect(sampleValue(f, 'processor_error')).toBe(0);
    expect(sampleValue(f, 'output_sent', { path: 'root.output' })).toBe(N);
    expect(sampleValue(f, 'output_error')).toBe(0);
    expect(sampleValue(f, 'ingest_messages_total', { stream: 'generate', type: 'candle' })).toBe(N);
    expect(f.get('pipeline_latency_seconds')?.type).toBe('histogram');
  });
});
