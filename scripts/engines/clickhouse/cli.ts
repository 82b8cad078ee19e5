import { parseArgs } from 'node:util';
import { startClickHouse } from './index.ts';

// `npm run clickhouse -- --port 8123 --data-dir .data/clickhouse`: chDB behind ClickHouse's HTTP interface.
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8123' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string', default: '.data/clickhouse' },
  },
});

const engine = await startClickHouse({ port: Number(values.port), host: values.host, dataDir: values['data-dir'] });
console.log(`clickhouse (chDB) listening: ${engine.url}`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await engine.stop();
  console.log('clickhouse stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
