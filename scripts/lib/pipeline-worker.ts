/** Worker-thread entry of platform-workers.ts: runs connect/*.yaml pipelines on the local runner, off the main thread. */
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { formatLintError, loadConfigFile } from '../connect/config.ts';
import { createLogger } from '../connect/logger.ts';
import { Metrics } from '../connect/metrics.ts';
import { HttpServers } from '../connect/server.ts';
import { startStream, type RunningStream } from '../connect/stream.ts';
import type { PipelineWorkerData, PipelineWorkerMessage } from './platform-workers.ts';
import { stageCountsOf } from './stage-counts.ts';

const CONNECT_DIR = fileURLToPath(new URL('../../connect/', import.meta.url));
const port = parentPort;
if (port === null) throw new Error('pipeline-worker.ts runs as a worker thread (see platform-workers.ts)');
const data = workerData as PipelineWorkerData;
const send = (m: PipelineWorkerMessage): void => port.postMessage(m);
const servers = new HttpServers();
const metrics = new Metrics();
const streams = new Map<string, RunningStream>();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

try {
  for (const file of data.files) {
    const { config, errors } = loadConfigFile(join(CONNECT_DIR, file), { env: data.env });
    if (config === undefined) throw new Error(`pipeline ${file} does not load:\n${errors.map(formatLintError).join('\n')}`);
    config.logger.level = data.logLevel;
    streams.set(file, await startStream(config, { servers, metrics: metrics.withLabels({ stream: file }), log: createLogger(config.logger) }));
  }
  port.on('message', (m: unknown) => {
    if (m === 'counts') {
      send({ type: 'counts', counts: stageCountsOf(metrics.registry, streams.keys()), loopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 } });
      loopDelay.reset();
    }
    if (m !== 'stop') return;
    void (async () => {
      // Upstream first, as bootPlatform does, so what an upstream stage delivered while stopping is picked up next time.
      for (const s of streams.values()) await s.stop().catch(() => undefined);
      await servers.closeAll().catch(() => undefined);
      send({ type: 'stopped' });
      port.close();
    })();
  });
  send({ type: 'ready', address: '' });
} catch (error) {
  send({ type: 'error', message: (error as Error).message });
}
