import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { Timeframe } from '../../schemas/common.ts';
import { AppError, isAppError } from '../lib/errors.ts';
import type { ReadLayer } from '../lib/read/index.ts';
import type { HealthSnapshot } from './health.ts';
import type { DashboardEvent, Subscribe } from './hub.ts';
import { APP_CSS, APP_JS, INDEX_HTML } from './page.ts';

export interface DashboardDeps {
  read: Pick<ReadLayer, 'candles'>;
  /** Live events (candles, alerts, signals, system events); the Node side feeds it from Kafka. */
  subscribe: Subscribe;
  health: () => Promise<HealthSnapshot>;
  /** Recent alert, signal and system events (oldest first) a page shows on load; none when absent. */
  recentAlerts?: () => Promise<readonly DashboardEvent[]>;
  /** The chart library's standalone build (lightweight-charts), read by the host from its package. */
  chartLibrary: () => Promise<string>;
  exchange: string;
  symbols: readonly string[];
  /** SSE heartbeat comment interval; default 15 s. */
  heartbeatMs?: number;
  /** Health tick interval on the SSE stream; default 5 s. */
  healthEveryMs?: number;
  /** Events queued per client before the oldest are dropped (a slow browser must not grow memory). */
  clientBuffer?: number;
  clock?: () => number;
}

const DAY_MS = 86_400_000;

/** The dashboard: one page, candle history, pipeline health and a live SSE feed. Web-standard. */
export function createDashboardApp(deps: DashboardDeps): Hono {
  const app = new Hono();
  const clock = deps.clock ?? Date.now;
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const healthEveryMs = deps.healthEveryMs ?? 5_000;
  const limit = deps.clientBuffer ?? 500;

  app.get('/', (c) => c.html(INDEX_HTML));
  app.get('/app.js', (c) => c.body(APP_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get('/app.css', (c) => c.body(APP_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
  app.get('/vendor/lightweight-charts.js', async (c) => c.body(await deps.chartLibrary(), 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'max-age=3600' }));
  app.get('/api/config', (c) => c.json({ exchange: deps.exchange, symbols: deps.symbols, timeframes: ['1m', '5m', '1h', '1d'] }));

  app.get('/api/candles', async (c) => {
    const symbol = c.req.query('symbol') ?? deps.symbols[0] ?? '';
    const tf = Timeframe.safeParse(c.req.query('timeframe') ?? '1m');
    if (!tf.success) throw new AppError('INVALID_QUERY', 'timeframe must be one of 1m, 5m, 15m, 30m, 1h, 4h, 1d', { status: 400 });
    const to = Number(c.req.query('to') ?? clock());
    const from = Number(c.req.query('from') ?? to - DAY_MS);
    if (!Number.isFinite(from) || !Number.isFinite(to)) throw new AppError('INVALID_QUERY', 'from and to are epoch milliseconds', { status: 400 });
    const result = await deps.read.candles({ exchange: c.req.query('exchange') ?? deps.exchange, symbol, timeframe: tf.data, from, to, maxPoints: 2000 });
    return c.json(result);
  });

  app.get('/api/health', async (c) => c.json(await deps.health()));
  app.get('/api/alerts', async (c) => c.json({ events: (await deps.recentAlerts?.()) ?? [] }));

  app.get('/events', (c) => {
    const symbols = c.req.query('symbols')?.split(',').filter(Boolean);
    return streamSSE(c, async (stream) => {
      const queue: DashboardEvent[] = [];
      let dropped = 0;
      let wake: (() => void) | undefined;
      const push = (e: DashboardEvent): void => {
        queue.push(e);
        if (queue.length > limit) {
          queue.shift();
          dropped++;
        }
        wake?.();
      };
      const unsubscribe = deps.subscribe(symbols ? { symbols } : {}, push);
      const heartbeat = setInterval(() => void stream.write(': heartbeat\n\n'), heartbeatMs);
      const healthTick = setInterval(() => void deps.health().then((h) => push({ type: 'health', data: h }), () => undefined), healthEveryMs);
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      try {
        await stream.write(': connected\n\n');
        while (!closed) {
          const e = queue.shift();
          if (e === undefined) {
            await new Promise<void>((r) => (wake = r));
            wake = undefined;
            continue;
          }
          if (dropped > 0) {
            await stream.writeSSE({ event: 'dropped', data: String(dropped) });
            dropped = 0;
          }
          await stream.writeSSE({ event: e.type, data: JSON.stringify(e.data) });
        }
      } finally {
        unsubscribe();
        clearInterval(heartbeat);
        clearInterval(healthTick);
      }
    });
  });

  app.onError((error) => {
    const e = isAppError(error) ? error : new AppError('INTERNAL', 'dashboard failed; see the server log', { status: 500 });
    return Response.json({ error: { code: e.code, message: e.message } }, { status: e.status });
  });
  return app;
}
