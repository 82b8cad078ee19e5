import { parseArgs } from 'node:util';
import { startTimescale } from './index.ts';

// `npm run timescale -- --port 5433 --data-dir .data/timescale`: PGlite + TimescaleDB on the Postgres wire protocol.
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '5433' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string', default: '.data/timescale' },
    'job-interval-ms': { type: 'string', default: '60000' },
  },
});

const engine = await startTimescale({
  port: Number(values.port),
  host: values.host,
  dataDir: values['data-dir'],
  jobIntervalMs: Number(values['job-interval-ms']),
});
console.log(`timescale (PGlite) listening: ${engine.url}`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await engine.stop();
  console.log('timescale stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
