/**
 * `npm run broker -- --port 9092 --data-dir DIR [--host H] [--advertised-host H] [--auto-create-topics] [--max-frame-bytes N]`:
 * the embedded broker as a process; SIGINT/SIGTERM stop it cleanly (pending fsyncs finish, files closed).
 */
import { parseArgs } from 'node:util';
import { serveBrokerMetrics } from './metrics.ts';
import { startBroker } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9092' },
    host: { type: 'string', default: '127.0.0.1' },
    'advertised-host': { type: 'string' },
    'data-dir': { type: 'string', default: '.data/broker' },
    'auto-create-topics': { type: 'boolean', default: false },
    'max-frame-bytes': { type: 'string' },
    'metrics-port': { type: 'string' },
  },
});

const broker = await startBroker({
  port: Number(values.port),
  host: values.host,
  dataDir: values['data-dir'],
  autoCreateTopics: values['auto-create-topics'],
  ...(values['max-frame-bytes'] ? { maxFrameBytes: Number(values['max-frame-bytes']) } : {}),
  ...(values['advertised-host'] ? { advertisedHost: values['advertised-host'] } : {}),
});
console.log(`broker listening on ${broker.address}`);
// Prometheus metrics (log bytes, consumer lag) on a port of their own, off unless asked for.
const metricsServer = values['metrics-port'] === undefined ? undefined
  : await serveBrokerMetrics(() => broker.stats(), Number(values['metrics-port']), values.host, Number(process.env.BROKER_CAPACITY_BYTES ?? 0) || undefined);
if (metricsServer) console.log(`broker metrics on http://${values.host}:${metricsServer.port}/metrics`);
// IPC: a parent (the benchmark) can ask for this process's CPU time.
process.on('message', (msg) => {
  if (msg === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
process.send?.({ ready: broker.address });

let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping broker`);
  Promise.all([broker.stop(), metricsServer?.close()]).then(() => process.exit(0), (error: unknown) => {
    console.error(`stop failed: ${(error as Error).message}`);
    process.exit(1);
  });
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('disconnect', () => shutdown('parent disconnected'));
