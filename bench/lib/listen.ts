import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

/** Serves `app` on 127.0.0.1 at a free port; `url` ends in "/". */
export function listen(app: Hono): Promise<{ url: string; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve({ url: `http://127.0.0.1:${info.port}/`, close: () => new Promise<void>((done) => server.close(() => done())) }),
    );
  });
}
