/**
 * Runs one batch function under workerd (via miniflare, which bundles workerd):
 *   npx tsx deploy/workerd/serve.ts NAME --port P
 * Builds functions/NAME/worker.ts with esbuild first; stops cleanly on SIGINT/SIGTERM.
 */
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { buildWorker } from './build.ts';

/** Starts workerd serving `name` on `port` (0 = any free port); returns its URL and a stop function. */
export async function serveWorker(name: string, port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const { script } = await buildWorker(name);
  const mf = new Miniflare({ modules: true, script, port, host: '127.0.0.1', compatibilityDate: '2024-09-23' });
  const url = (await mf.ready).toString().replace(/\/$/, '');
  return { url, stop: () => mf.dispose() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name, ...rest] = process.argv.slice(2);
  const portFlag = rest.indexOf('--port');
  const port = portFlag >= 0 ? Number(rest[portFlag + 1]) : 8787;
  if (name === undefined) {
    console.error('usage: npx tsx deploy/workerd/serve.ts NAME --port P');
    process.exit(2);
  }
  const { url, stop } = await serveWorker(name, port);
  console.log(`${name} (workerd) listening on ${url}`);
  const shutdown = (): void => {
    void stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
