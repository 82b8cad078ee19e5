import { Hono } from 'hono';
import { CONTENT_TYPE, type Registry } from './registry.ts';

/** A Hono app serving `GET /metrics` from `registry`; mount it with `app.route('/', metricsRoute(registry))`. */
export function metricsRoute(registry: Registry): Hono {
  const app = new Hono();
  app.get('/metrics', (c) => c.body(registry.render(), 200, { 'Content-Type': CONTENT_TYPE }));
  return app;
}
