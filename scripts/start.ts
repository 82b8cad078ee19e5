/**
 * `npm start`: the whole platform on embedded engines (or real ones via KAFKA_BROKERS / TIMESCALE_URL / CLICKHOUSE_URL),
 * fed by the CryptoCompare simulator unless CRYPTOCOMPARE_API_KEY reaches the live API. Ctrl-C stops the sources first,
 * then the pipelines (committing offsets), then the engines; the next start resumes from the committed offsets.
 */
import { redact } from '../functions/lib/errors.ts';
import { bootPlatform } from './lib/platform.ts';

const started = Date.now();
const progress = (line: string): void => console.error(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);

try {
  const platform = await bootPlatform({
    dataDir: process.env.DATA_DIR ?? '.data',
    port: Number(process.env.PORT ?? 8787),
    host: process.env.HOST ?? '127.0.0.1',
    progress,
  });
  console.log(['agent-market-data is running:', ...platform.describe().map((l) => `  ${l}`)].join('\n'));
  if (platform.adminKey !== undefined) {
    // Shown on the first start only (the store had no key); it is stored hashed and cannot be shown again.
    console.log([
      '',
      'Admin API key for the MCP endpoint (shown once, store it now):',
      `  ${platform.adminKey}`,
      `Agents send it as "Authorization: Bearer <key>". More keys: TIMESCALE_URL=${redact(platform.timescaleUrl)} npm run keys -- create --name NAME --scopes read,alerts`,
      '',
    ].join('\n'));
  }
  console.log('Ctrl-C stops it cleanly.');
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    progress(`${signal}: stopping sources, draining pipelines, committing offsets, stopping engines…`);
    platform.stop().then(
      () => {
        progress('stopped; the next start resumes from here.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(redact((error as Error).message));
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  const message = redact(error instanceof Error ? error.message : String(error));
  const hint = /EADDRINUSE/.test(message) ? ` (port ${process.env.PORT ?? 8787} is taken: set PORT to a free one)` : '';
  console.error(`npm start failed: ${message}${hint}`);
  process.exit(1);
}
