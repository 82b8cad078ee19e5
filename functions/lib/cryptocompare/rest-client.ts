import { redact } from '../errors.ts';
import { badRequest, httpError, malformed, noData, rateLimited, RateLimitedError, unauthorized, type CryptoCompareError } from './errors.ts';
import { parseDataApiBody, parseHistoBody, type DataApiEntry, type HistoPage } from './normalize.ts';
import { parseRateHeader, RATE_WINDOWS, type RateLimiter, type RateWindow } from './rate-limiter.ts';

/** CryptoCompare REST (min-api + Data API) over Web fetch. Errors are detected the way the service reports them. */

export type HistoUnit = 'minute' | 'hour' | 'day';

export interface HistoParams {
  unit: HistoUnit;
  fsym: string;
  tsym: string;
  /** Market name (`CCCAGG`, `Coinbase`); default CCCAGG. */
  e?: string;
  limit?: number;
  /** Unix seconds, inclusive. Omit for the latest candles (the newest then is the still-forming one). */
  toTs?: number;
  aggregate?: number;
  tryConversion?: boolean;
  /** 2 (default): `/data/v2/histo*`; 1: legacy `/data/histo*`. */
  version?: 1 | 2;
}

export interface DataApiHistoricalParams {
  kind: 'spot' | 'index';
  unit: HistoUnit;
  /** Lower-case market: an exchange for spot, `cadli`/`ccix` for the index. */
  market: string;
  /** `BTC-USD`. */
  instrument: string;
  limit?: number;
  toTs?: number;
  aggregate?: number;
  fill?: boolean;
}

export interface RateLimitStats {
  calls_made: Partial<Record<RateWindow | 'total_calls', number>>;
  calls_left: Partial<Record<RateWindow, number>>;
}

export interface RestClientOptions {
  baseUrl: string;
  dataApiUrl?: string;
  apiKey?: string;
  fetch?: typeof fetch;
  rateLimiter?: RateLimiter;
  /** Retries of a rate-limited call (after the limiter's wait); default 2, 0 without a rate limiter. */
  rateLimitRetries?: number;
  now?: () => number;
}

export interface Fetched<T> {
  data: T;
  receivedAt: number;
}

const UNIT_PLURAL: Readonly<Record<HistoUnit, string>> = { minute: 'minutes', hour: 'hours', day: 'days' };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The window a Type 99 body says is used up (calls_made >= max_calls), the longest such. */
function exhaustedWindowOf(body: Record<string, unknown>, headers: Headers): RateWindow | null {
  const remaining = parseRateHeader(headers.get('x-ratelimit-remaining-all'));
  let found: RateWindow | null = null;
  for (const w of RATE_WINDOWS) if (remaining[w] === 0) found = w;
  if (found) return found;
  const rl = body.RateLimit;
  if (!isObject(rl) || !isObject(rl.calls_made) || !isObject(rl.max_calls)) return null;
  for (const w of RATE_WINDOWS) {
    const made = rl.calls_made[w];
    const max = rl.max_calls[w];
    if (typeof made === 'number' && typeof max === 'number' && made >= max) found = w;
  }
  return found;
}

function retryAfterOf(body: Record<string, unknown>, headers: Headers, window: RateWindow | null): number | null {
  const retryAfter = Number(headers.get('retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter * 1000;
  if (typeof body.Cooldown === 'number' && body.Cooldown > 0) return body.Cooldown * 1000;
  if (window) {
    const reset = parseRateHeader(headers.get('x-ratelimit-reset-all'))[window];
    if (reset !== undefined) return reset * 1000;
  }
  return null;
}

/** Classifies a min-api error body; the same message has come as Type 1 and Type 2, so the text decides. */
function minApiErrorOf(endpoint: string, status: number, body: Record<string, unknown>, headers: Headers): CryptoCompareError {
  const message = typeof body.Message === 'string' ? body.Message : '';
  if (body.Type === 99 || /rate limit/i.test(message) || status === 429) {
    const window = exhaustedWindowOf(body, headers);
    return rateLimited(endpoint, retryAfterOf(body, headers, window) ?? 1000, window);
  }
  if (status === 401 || status === 403 || /api[_ ]?key|auth key/i.test(message)) return unauthorized(endpoint, status);
  if (/no data|does not exist|only available for the last|not available/i.test(message)) return noData(endpoint, message);
  if (status >= 500) return httpError(endpoint, status, message || 'server error');
  return badRequest(endpoint, message || `HTTP ${status}`, typeof body.ParamWithError === 'string' ? body.ParamWithError : undefined);
}

function dataApiErrorOf(endpoint: string, status: number, err: Record<string, unknown>, headers: Headers): CryptoCompareError {
  const message = typeof err.message === 'string' ? err.message : `HTTP ${status}`;
  const info = isObject(err.other_info) ? err.other_info : {};
  if (status === 429 || /rate limit/i.test(message)) {
    const window = exhaustedWindowOf({}, headers);
    return rateLimited(endpoint, retryAfterOf({}, headers, window) ?? 1000, window);
  }
  if (status === 401 || status === 403 || /valid api key|unauthori[sz]ed/i.test(message)) return unauthorized(endpoint, status);
  if (status === 404 || /^not found: instrument/i.test(message)) return noData(endpoint, message);
  if (status >= 500) return httpError(endpoint, status, message);
  return badRequest(endpoint, message, typeof info.param === 'string' ? info.param : undefined);
}

export function createRestClient(opts: RestClientOptions) {
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const now = opts.now ?? (() => Date.now());
  const retries = opts.rateLimiter ? (opts.rateLimitRetries ?? 2) : 0;
  const base = opts.baseUrl.replace(/\/+$/, '');
  const dataBase = opts.dataApiUrl?.replace(/\/+$/, '');

  async function requestOnce(url: string, endpoint: string, dataApi: boolean): Promise<Fetched<unknown>> {
    await opts.rateLimiter?.acquire();
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.apiKey) headers.Authorization = `Apikey ${opts.apiKey}`;
    let res: Response;
    try {
      res = await doFetch(url, { headers });
    } catch (error) {
      throw httpError(endpoint, 0, redact(error instanceof Error ? error.message : String(error)), error);
    }
    const receivedAt = now();
    opts.rateLimiter?.observeHeaders(res.headers);
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      if (!res.ok) throw res.status === 429 ? rateLimited(endpoint, retryAfterOf({}, res.headers, null) ?? 1000, null) : res.status === 401 || res.status === 403 ? unauthorized(endpoint, res.status) : httpError(endpoint, res.status, 'non-JSON error body');
      throw malformed(endpoint, 'body is not JSON');
    }
    if (dataApi) {
      const err = isObject(body) && isObject(body.Err) ? body.Err : null;
      if (!res.ok || (err && Object.keys(err).length > 0)) throw dataApiErrorOf(endpoint, res.status, err ?? {}, res.headers);
      return { data: body, receivedAt };
    }
    if (isObject(body)) {
      const message = typeof body.Message === 'string' ? body.Message : '';
      if (!res.ok || body.Response === 'Error' || body.Type === 99 || /rate limit/i.test(message)) throw minApiErrorOf(endpoint, res.status, body, res.headers);
    } else if (!res.ok) {
      throw httpError(endpoint, res.status, 'unexpected error body');
    }
    return { data: body, receivedAt };
  }

  async function request(url: string, endpoint: string, dataApi = false): Promise<Fetched<unknown>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await requestOnce(url, endpoint, dataApi);
      } catch (error) {
        if (!(error instanceof RateLimitedError) || attempt >= retries || !opts.rateLimiter) throw error;
        // The limiter blocks until the exhausted window resets; acquire() in the next attempt waits for it.
        opts.rateLimiter.noteRateLimited(error.retryAfterMs, (error.details?.window as RateWindow | null | undefined) ?? null);
      }
    }
  }

  function minApiUrl(path: string, params: Record<string, string | number | boolean | undefined>): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
    const qs = q.toString();
    return `${base}${path}${qs ? `?${qs}` : ''}`;
  }

  return {
    /** One histo page (v2 by default), parsed; normalise with normalizeHistoPage. */
    async histo(p: HistoParams): Promise<Fetched<HistoPage>> {
      const path = `/data/${p.version === 1 ? '' : 'v2/'}histo${p.unit}`;
      const url = minApiUrl(path, { fsym: p.fsym.toUpperCase(), tsym: p.tsym.toUpperCase(), e: p.e, limit: p.limit, toTs: p.toTs, aggregate: p.aggregate, tryConversion: p.tryConversion });
      const { data, receivedAt } = await request(url, path);
      return { data: parseHistoBody(data, path), receivedAt };
    },
    async pricemultifull(fsyms: string[], tsyms: string[], e?: string): Promise<Fetched<{ RAW: Record<string, Record<string, Record<string, unknown>>>; DISPLAY: Record<string, unknown> }>> {
      const path = '/data/pricemultifull';
      const { data, receivedAt } = await request(minApiUrl(path, { fsyms: fsyms.join(','), tsyms: tsyms.join(','), e }), path);
      if (!isObject(data) || !isObject(data.RAW)) throw malformed(path, 'no RAW block');
      return { data: data as { RAW: Record<string, Record<string, Record<string, unknown>>>; DISPLAY: Record<string, unknown> }, receivedAt };
    },
    async coinlist(): Promise<Fetched<Record<string, Record<string, unknown>>>> {
      const path = '/data/all/coinlist';
      const { data, receivedAt } = await request(minApiUrl(path, {}), path);
      if (!isObject(data) || !isObject(data.Data)) throw malformed(path, 'no Data object');
      return { data: data.Data as Record<string, Record<string, unknown>>, receivedAt };
    },
    /** exchange → fsym → [tsyms]. */
    async exchanges(): Promise<Fetched<Record<string, Record<string, string[]>>>> {
      const path = '/data/all/exchanges';
      const { data, receivedAt } = await request(minApiUrl(path, {}), path);
      if (!isObject(data)) throw malformed(path, 'not an object');
      // Some eras wrap it in the usual envelope.
      const map = isObject(data.Data) && data.Response === 'Success' ? data.Data : data;
      return { data: map as Record<string, Record<string, string[]>>, receivedAt };
    },
    /** `/stats/rate/limit`; also teaches the rate limiter the key's real limits. */
    async rateLimitStats(): Promise<Fetched<RateLimitStats>> {
      const path = '/stats/rate/limit';
      const { data, receivedAt } = await request(minApiUrl(path, {}), path);
      if (!isObject(data) || !isObject(data.Data) || !isObject(data.Data.calls_made) || !isObject(data.Data.calls_left)) throw malformed(path, 'no calls_made/calls_left');
      const stats = data.Data as unknown as RateLimitStats;
      opts.rateLimiter?.learnFromStats(stats);
      return { data: stats, receivedAt };
    },
    async dataApiHistorical(p: DataApiHistoricalParams): Promise<Fetched<DataApiEntry[]>> {
      if (!dataBase) throw badRequest('data-api', 'no Data API base URL configured', 'dataApiUrl');
      const path = `/${p.kind === 'spot' ? 'spot' : 'index/cc'}/v1/historical/${UNIT_PLURAL[p.unit]}`;
      const q = new URLSearchParams({ market: p.market, instrument: p.instrument });
      if (p.limit !== undefined) q.set('limit', String(p.limit));
      if (p.toTs !== undefined) q.set('to_ts', String(p.toTs));
      if (p.aggregate !== undefined) q.set('aggregate', String(p.aggregate));
      if (p.fill !== undefined) q.set('fill', String(p.fill));
      const { data, receivedAt } = await request(`${dataBase}${path}?${q.toString()}`, path, true);
      return { data: parseDataApiBody(data, path), receivedAt };
    },
  };
}

export type RestClient = ReturnType<typeof createRestClient>;
