/**
 * Worker-thread entry of platform-workers.ts: serves batch functions (`/fn/NAME/`; all, or those named) on its own thread, as
 * bootPlatform's server does (one in-memory state store per function; alert rules from ALERT_RULES_FILE and, with
 * TIMESCALE_URL set, the alert_rules table).
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { parentPort, workerData } from 'node:worker_threads';
import { BATCH_FUNCTIONS } from '../../functions/lib/batch/names.ts';
import { MemoryStateStore } from '../../functions/lib/state/index.ts';
import { createNodeApp } from './function-apps.ts';
import type { FunctionsWorkerData, PipelineWorkerMessage } from './platform-workers.ts';

const port = parentPort;
if (port === null) throw new Error('functions-worker.ts runs as a worker thread (see platform-workers.ts)');
const data = workerData as FunctionsWorkerData;
const send = (m: PipelineWorkerMessage): void => port.postMessage(m);

try {
  const root = new Hono({ strict: false });
  for (const name of data.names ?? BATCH_FUNCTIONS) root.route(`/fn/${name}`, await createNodeApp(name, new MemoryStateStore()));
  const server = await new Promise<ReturnType<typeof serve>>((ok) => {
    const s = serve({ fetch: root.fetch, port: 0, hostname: data.host }, () => ok(s));
  });
  const address = server.address();
  const url = `http://${data.host}:${typeof address === 'object' && address !== null ? address.port : 0}`;
  port.on('message', (m: unknown) => {
    if (m !== 'stop') return;
    server.close(() => {
      send({ type: 'stopped' });
      port.close();
    });
    if ('closeAllConnections' in server) server.closeAllConnections();
  });
  send({ type: 'ready', address: url });
} catch (error) {
  send({ type: 'error', message: (error as Error).message });
}
