/**
 * Deno entry for any batch function:
 *   node_modules/.bin/deno run --allow-net --allow-env --allow-read deploy/deno/serve.ts NAME --port P
 * Serves functions/NAME/worker.ts (default config, in-memory state) until SIGINT/SIGTERM.
 */
import { BATCH_FUNCTIONS, isBatchFunctionName } from '../../functions/lib/batch/names.ts';

interface DenoServer {
  finished: Promise<void>;
  shutdown(): Promise<void>;
  addr: { port: number };
}
declare const Deno: {
  args: string[];
  serve(options: { port: number; hostname?: string; onListen?: (addr: { port: number; hostname: string }) => void }, handler: (request: Request) => Response | Promise<Response>): DenoServer;
  addSignalListener(signal: 'SIGINT' | 'SIGTERM', handler: () => void): void;
  exit(code: number): never;
};

const [name, ...rest] = Deno.args;
const portFlag = rest.indexOf('--port');
const port = portFlag >= 0 ? Number(rest[portFlag + 1]) : 8080;
if (name === undefined || !isBatchFunctionName(name) || !Number.isInteger(port)) {
  console.error(`usage: deno run --allow-net --allow-env --allow-read deploy/deno/serve.ts NAME --port P   (NAME: ${BATCH_FUNCTIONS.join(', ')})`);
  Deno.exit(2);
}

const mod = (await import(`../../functions/${name}/worker.ts`)) as { default: { fetch: (request: Request) => Response | Promise<Response> } };
const app = mod.default;
const server = Deno.serve({ port, hostname: '127.0.0.1', onListen: (addr) => console.log(`${name} (deno) listening on http://${addr.hostname}:${addr.port}`) }, (request) => app.fetch(request));
const stop = (): void => {
  void server.shutdown();
};
Deno.addSignalListener('SIGINT', stop);
Deno.addSignalListener('SIGTERM', stop);
await server.finished;
