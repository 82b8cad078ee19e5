/**
 * Serves one batch function on Node:  npm run fn -- NAME --port P [--redis redis://127.0.0.1:6379/0]
 * With --redis (or REDIS_URL) state lives in Redis, shared by replicas and kept across restarts; otherwise in memory.
 * Stops cleanly on SIGINT/SIGTERM (closes the server, then the state store).
 */
import { serve } from '@hono/node-server';
import { fileURLToPath } from 'node:url';
import { BATCH_FUNCTIONS, isBatchFunctionName } from '../functions/lib/batch/names.ts';
import { MemoryStateStore, type StateStore } from '../functions/lib/state/index.ts';
import { createNodeApp } from './lib/function-apps.ts';
import { RedisStateStore } from './lib/redis-state.ts';

export interface RunningFunction {
  url: string;
  stop(): Promise<void>;
}

/** Starts `name` on `port` (0 = a free port). */
export async function startFunction(name: string, options: { port: number; redisUrl?: string; redisPrefix?: string; hostname?: string }): Promise<RunningFunction> {
  if (!isBatchFunctionName(name)) throw new Error(`unknown function "${name}": use one of ${BATCH_FUNCTIONS.join(', ')}`);
  const state: StateStore = options.redisUrl === undefined ? new MemoryStateStore() : await RedisStateStore.connect(options.redisUrl, options.redisPrefix);
  const app = await createNodeApp(name, state);
  const hostname = options.hostname ?? '127.0.0.1';
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname }, (info) => resolve({ server: s, port: info.port }));
  });
  return {
    url: `http://${hostname}:${port}`,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      await state.close?.();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name, ...rest] = process.argv.slice(2);
  const flag = (f: string): string | undefined => {
    const i = rest.indexOf(f);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const port = Number(flag('--port') ?? process.env.PORT ?? 8080);
  if (name === undefined || !isBatchFunctionName(name) || !Number.isInteger(port)) {
    console.error(`usage: npm run fn -- NAME --port P [--redis URL]   (NAME: ${BATCH_FUNCTIONS.join(', ')})`);
    process.exit(2);
  }
  const redisUrl = flag('--redis') ?? process.env.REDIS_URL;
  const running = await startFunction(name, { port, ...(redisUrl === undefined ? {} : { redisUrl }), hostname: flag('--host') ?? '127.0.0.1' });
  console.log(`${name} (node) listening on ${running.url}${redisUrl === undefined ? ' (memory state)' : ' (redis state)'}`);
  const shutdown = (): void => {
    void running.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
