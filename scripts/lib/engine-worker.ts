/** Worker-thread entry of platform-workers.ts: starts one embedded engine, reports its address, stops on 'stop'. */
import { parentPort, workerData } from 'node:worker_threads';
import { startBroker } from '../engines/broker/index.ts';
import { startTimescale } from '../engines/timescale/index.ts';
import type { EngineWorkerData, EngineWorkerMessage } from './platform-workers.ts';

const port = parentPort;
if (port === null) throw new Error('engine-worker.ts runs as a worker thread (see platform-workers.ts)');
const data = workerData as EngineWorkerData;
const send = (m: EngineWorkerMessage): void => port.postMessage(m);

try {
  const engine = data.kind === 'broker'
    ? await startBroker({ port: 0, host: data.host, dataDir: data.dataDir, initialRebalanceDelayMs: 0, log: (line) => send({ type: 'log', line }) })
        .then((b) => ({ address: b.address, stop: () => b.stop() }))
    : await startTimescale({ port: 0, host: data.host, dataDir: data.dataDir, jobIntervalMs: data.jobIntervalMs })
        .then((t) => ({ address: t.url, stop: () => t.stop() }));
  port.on('message', (m: unknown) => {
    if (m !== 'stop') return;
    void engine.stop().catch(() => undefined).then(() => {
      send({ type: 'stopped' });
      port.close();
    });
  });
  send({ type: 'ready', address: engine.address });
} catch (error) {
  send({ type: 'error', message: (error as Error).message });
}
