import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { expect } from 'vitest';
import { loadConfigText } from '../../scripts/connect/config.ts';
import { startStream, type RunningStream } from '../../scripts/connect/stream.ts';
import { CONNECT_DIR } from '../../scripts/lib/platform.ts';

export interface SinkUnderTest {
  /** Writes `records` as ONE batch through the sink's real output; answers the HTTP status (200 = delivered). */
  write(records: readonly unknown[]): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The `output` of a real connect/sink-*.yaml, run by our Connect runner behind an `http_server` input: one POST of a
 * JSON array is one batch, so a test controls exactly which records share a batch (the broker input cuts batches by size).
 * A failed write answers 502 instead of being retried forever, so a refused batch shows up as a status, not a hang.
 */
export async function startSink(file: string, env: Record<string, string>): Promise<SinkUnderTest> {
  const sink = parse(readFileSync(join(CONNECT_DIR, file), 'utf8')) as { output: unknown };
  const yaml = stringify({
    http: { address: '127.0.0.1:0' },
    logger: { level: 'OFF' },
    input: { http_server: { path: '/batch', timeout: '30s' } },
    pipeline: { processors: [{ unarchive: { format: 'json_array' } }] },
    output: sink.output,
  });
  const { config, errors } = loadConfigText(yaml, file, { env });
  expect(errors).toEqual([]);
  if (config === undefined) throw new Error(`${file}: invalid config`);
  const stream: RunningStream = await startStream(config);
  const url = `http://127.0.0.1:${stream.httpPort}/batch`;
  return {
    async write(records) {
      const res = await fetch(url, { method: 'POST', body: JSON.stringify(records) });
      await res.arrayBuffer();
      return res.status;
    },
    stop: () => stream.stop(),
  };
}
