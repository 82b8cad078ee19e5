import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { redact } from '../../../functions/lib/errors.ts';
import { realClock } from './clock.ts';
import { NO_FAULTS, type Clock, type Faults, type SimulatorContext } from './context.ts';
import { createMarket, DEFAULT_EXCHANGES, DEFAULT_SYMBOLS } from './market.ts';
import { dataApiHistorical } from './rest/data-api.ts';
import { allExchanges, coinList, histo, priceMultiFull } from './rest/min-api.ts';
import { createRateAccounting, DEFAULT_LIMITS, rateLimitHeaders, type Limits, type RateAccounting, type RateVerdict } from './rest/rate-limit.ts';
import { dataApiError, minApiError, ok, type RestReply } from './rest/reply.ts';
import type { Unit } from './rest/series.ts';
import { attachStreamer } from './ws-server.ts';

export interface SimulatorOptions {
  port?: number;
  host?: string;
  seed?: number;
  symbols?: string[];
  exchanges?: string[];
  listedAt?: Record<string, number>;
  replayDir?: string;
  faults?: Partial<Faults>;
  clock?: Clock;
  apiKeys?: string[];
  /** Per-key call limits of the five windows (default: the 2021–2024 real limits). */
  rateLimits?: Partial<Limits>;
  log?: (line: string) => void;
}

export interface RunningSimulator {
  restUrl: string;
  wsUrl: string;
  context: SimulatorContext;
  stop(): Promise<void>;
}

const HISTO_UNITS: Readonly<Record<string, Unit>> = { histominute: 'minute', histohour: 'hour', histoday: 'day' };
const DATA_API_UNITS: Readonly<Record<string, Unit>> = { minutes: 'minute', hours: 'hour', days: 'day' };
const RATE_LIMIT_MESSAGE = 'You are over your rate limit please upgrade your account!';

/** The key a request carries: the Authorization header wins over `api_key` (as on the real service). */
function apiKeyOf(req: IncomingMessage, q: URLSearchParams): string | null {
  const auth = req.headers.authorization;
  const m = auth === undefined ? null : /^Apikey\s+(\S+)$/i.exec(auth);
  return m?.[1] ?? q.get('api_key');
}

function isDataApiPath(path: string): boolean {
  return path.startsWith('/spot/') || path.startsWith('/index/');
}

function rateLimited(dataApi: boolean, mode: 'http429' | 'type99', v: RateVerdict, limits: Limits): RestReply {
  const cooldown = v.exhausted === null ? v.resetIn.second : v.resetIn[v.exhausted];
  if (dataApi) {
    const reply = dataApiError(429, 99, `${RATE_LIMIT_MESSAGE} Rate limits are enforced on a second, minute, hour, day and month granularity.`, 'api_key', []);
    return { ...reply, headers: { 'Retry-After': String(cooldown) } };
  }
  const block = { calls_made: v.callsMade, max_calls: { ...limits } };
  const reply = minApiError(RATE_LIMIT_MESSAGE, 99, { RateLimit: block, Cooldown: cooldown }, mode === 'http429' ? 429 : 200);
  return mode === 'http429' ? { ...reply, headers: { 'Retry-After': String(cooldown) } } : reply;
}

function route(ctx: SimulatorContext, seed: number, path: string, q: URLSearchParams, rate: RateAccounting, key: string): RestReply | null {
  const histoMatch = /^\/data\/(v2\/)?(histominute|histohour|histoday)$/.exec(path);
  if (histoMatch) return histo(ctx, seed, HISTO_UNITS[histoMatch[2]!]!, histoMatch[1] ? 2 : 1, q);
  const dataMatch = /^\/(spot|index\/cc)\/v1\/historical\/(minutes|hours|days)$/.exec(path);
  if (dataMatch) return dataApiHistorical(ctx, seed, dataMatch[1] === 'spot' ? 'spot' : 'index', DATA_API_UNITS[dataMatch[2]!]!, q);
  switch (path) {
    case '/data/pricemultifull': return priceMultiFull(ctx, q);
    case '/data/all/coinlist': return coinList(ctx);
    case '/data/all/exchanges': return allExchanges(ctx);
    case '/stats/rate/limit': {
      const v = rate.peek(key);
      return ok({ Response: 'Success', Message: '', HasWarning: false, Type: 100, RateLimit: {}, Data: { calls_made: v.callsMade, calls_left: v.callsLeft } });
    }
    default: return null;
  }
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const seed = opts.seed ?? 1;
  const clock = opts.clock ?? realClock();
  const market = createMarket({ seed, symbols: opts.symbols ?? DEFAULT_SYMBOLS, exchanges: opts.exchanges ?? DEFAULT_EXCHANGES, ...(opts.listedAt ? { listedAt: opts.listedAt } : {}) });
  const context: SimulatorContext = {
    market,
    faults: { ...NO_FAULTS, ...opts.faults },
    clock,
    apiKeys: opts.apiKeys && opts.apiKeys.length > 0 ? new Set(opts.apiKeys) : null,
    log: opts.log ?? (() => {}),
  };
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.rateLimits };
  const rate = createRateAccounting(limits, () => clock.now());

  async function replayed(path: string): Promise<string | null> {
    if (!opts.replayDir) return null;
    const name = path.replace(/^\/+/, '').replace(/\//g, '_');
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) return null;
    try {
      return await readFile(join(opts.replayDir, `${name}.json`), 'utf8');
    } catch {
      return null;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const q = url.searchParams;
    const dataApi = isDataApiPath(path);
    const key = apiKeyOf(req, q);
    const send = (reply: RestReply, extra: Record<string, string> = {}, raw?: string): void => {
      const body = raw ?? JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=UTF-8', 'Cache-Control': 'no-cache, no-store', 'X-CryptoCompare-Server-Id': 'cc-api-sim-1', ...extra, ...reply.headers });
      res.end(body);
      context.log(`${req.method ?? 'GET'} ${redact(`${path}${url.search}`)} -> ${reply.status}`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(dataApi ? dataApiError(405, 1, 'Method not allowed: use GET.') : minApiError('Method not allowed: use GET.', 1, {}, 405));
      return;
    }
    if (context.apiKeys !== null && (key === null || !context.apiKeys.has(key))) {
      const message = 'You need a valid auth key or api_key for this request. Send it as Authorization: Apikey <key>.';
      send(dataApi ? dataApiError(401, 1, message) : minApiError(message, 1, {}, 401));
      return;
    }
    const replay = await replayed(path);
    if (replay !== null) {
      send(ok(null), {}, replay);
      return;
    }
    const who = key ?? 'anonymous';
    const counted = path !== '/stats/rate/limit';
    const verdict = counted ? rate.record(who) : rate.peek(who);
    const headers = rateLimitHeaders(verdict);
    if (context.faults.rateLimit !== 'none') {
      send(rateLimited(dataApi, context.faults.rateLimit, verdict, limits), headers);
      return;
    }
    if (!verdict.allowed) {
      // The real min-api answers an exhausted key with HTTP 200 + Type 99; the Data API with 429.
      send(rateLimited(dataApi, 'type99', verdict, limits), headers);
      return;
    }
    const reply = route(context, seed, path, q, rate, who);
    if (reply === null) {
      send(dataApi ? dataApiError(404, 1, `Not found: path ${path} does not exist.`) : minApiError(`Path ${path} does not exist.`, 1, {}, 404), headers);
      return;
    }
    send(reply, headers);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      context.log(`error: ${redact(error instanceof Error ? error.message : String(error))}`);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ Response: 'Error', Message: 'Internal simulator error', Type: 1, HasWarning: false, Data: {} }));
    });
  });
  const streamer = attachStreamer(server, context);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | null = null;
  return {
    restUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/v2`,
    context,
    stop(): Promise<void> {
      stopped ??= (async () => {
        await streamer.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return stopped;
    },
  };
}
