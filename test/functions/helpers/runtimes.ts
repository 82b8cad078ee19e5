import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serveWorker } from '../../../deploy/workerd/serve.ts';
import { startFunction } from '../../../scripts/fn.ts';

export type RuntimeKind = 'node' | 'deno' | 'workerd';
export interface Served {
  url: string;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Serves function `name` on `kind` on a free port; every runtime uses the in-memory state adapter here. */
export async function serveOn(kind: RuntimeKind, name: string): Promise<Served> {
  if (kind === 'node') return startFunction(name, { port: 0 });
  if (kind === 'workerd') return serveWorker(name, 0);
  return serveOnDeno(name);
}

/** Spawns `deno run … deploy/deno/serve.ts NAME --port 0` and reads the port it announces. */
async function serveOnDeno(name: string): Promise<Served> {
  const child = spawn(`${ROOT}node_modules/.bin/deno`, ['run', '--allow-net', '--allow-env', '--allow-read', 'deploy/deno/serve.ts', name, '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[0-9.]+:\d+)/.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`deno exited (${code}) before listening:\n${output}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Serves an app built by a test (with its own clock, state and config) on Node on a free port. */
export async function serveApp(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<Served> {
  const { serve } = await import('@hono/node-server');
  return new Promise<Served>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        stop: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      }),
    );
  });
}

/** POSTs one batch and returns the answers, failing the test on a non-200. */
export async function postBatch<T = Record<string, unknown>>(url: string, batch: unknown[]): Promise<Array<{ ok: true; message: T; messages: T[] } | { ok: false; deadLetter: { reasonCode: string; message: string; details?: Record<string, unknown>; original: unknown } }>> {
  const res = await fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST answered ${res.status}: ${text}`);
  return JSON.parse(text) as never;
}
