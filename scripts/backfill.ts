import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { normalizeSymbol, Timeframe, TIMEFRAMES, Exchange } from '../schemas/common.ts';
import { OhlcvMessage } from '../schemas/ohlcv.ts';
import { isAppError, redact } from '../functions/lib/errors.ts';
import { isCryptoCompareError } from '../functions/lib/cryptocompare/errors.ts';
import { fetchRange, type FetchRangeOptions, type FetchRangeResult } from '../functions/lib/cryptocompare/paginate.ts';
import { fetchDataApiRange } from '../functions/lib/cryptocompare/paginate-data-api.ts';
import { createRateLimiter, type KeyValueStore } from '../functions/lib/cryptocompare/rate-limiter.ts';
import { createRestClient } from '../functions/lib/cryptocompare/rest-client.ts';

/** `npm run backfill -- --symbols BTC-USD,ETH-USD --timeframe 1m --from ISO --to ISO --out FILE|-`: validated OhlcvMessage NDJSON. */

const USAGE = `usage: npm run backfill -- --symbols BTC-USD,ETH-USD --timeframe ${TIMEFRAMES.join('|')} --from ISO --to ISO --out FILE|-
  [--exchange cccagg] [--source cryptocompare|simulator]
env: CRYPTOCOMPARE_REST_URL (default https://min-api.cryptocompare.com), CRYPTOCOMPARE_DATA_API_URL, CRYPTOCOMPARE_API_KEY, DATA_DIR`;

function fail(message: string): never {
  process.stderr.write(`backfill: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseTime(raw: string | undefined, name: string): number {
  if (raw === undefined) fail(`--${name} is required (an ISO time such as 2026-01-01T00:00:00Z)`);
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms) || ms < 0) fail(`--${name} "${raw}" is not an ISO time (e.g. 2026-01-01T00:00:00Z) or epoch ms`);
  return ms;
}

/** Keeps the rate limiter's counters across runs, so back-to-back backfills respect the key's limits. */
function fileStore(path: string): KeyValueStore {
  return {
    async get() {
      try { return await readFile(path, 'utf8'); } catch { return null; }
    },
    async set(_key, value) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, value);
    },
  };
}

let values: Record<string, string | boolean | undefined>;
try {
  values = parseArgs({
    options: {
      symbols: { type: 'string' }, timeframe: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' },
      exchange: { type: 'string' }, source: { type: 'string' }, help: { type: 'boolean' },
    },
    strict: true,
  }).values;
} catch (error) {
  fail((error as Error).message);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const str = (k: string): string | undefined => (typeof values[k] === 'string' ? values[k] : undefined);

const symbolsRaw = str('symbols');
if (!symbolsRaw) fail('--symbols is required, e.g. --symbols BTC-USD,ETH-USD');
let symbols: string[];
try {
  symbols = [...new Set(symbolsRaw.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((s) => normalizeSymbol(s)))];
} catch (error) {
  fail(isAppError(error) ? error.message : String(error));
}
if (symbols.length === 0) fail('--symbols lists no symbol');
const timeframe = Timeframe.safeParse(str('timeframe'));
if (!timeframe.success) fail(`--timeframe must be one of ${TIMEFRAMES.join(', ')}, got "${str('timeframe') ?? ''}"`);
const from = parseTime(str('from'), 'from');
const to = parseTime(str('to'), 'to');
if (from > to) fail(`--from (${str('from')}) is after --to (${str('to')})`);
const out = str('out');
if (!out) fail('--out is required: a file path, or - for stdout');
const exchange = Exchange.safeParse((str('exchange') ?? 'cccagg').toLowerCase());
if (!exchange.success) fail(`--exchange "${str('exchange')}" is not an exchange id such as cccagg or coinbase`);
const source = str('source') ?? 'cryptocompare';
if (source !== 'cryptocompare' && source !== 'simulator') fail(`--source must be cryptocompare or simulator, got "${source}"`);
const series = { exchange: exchange.data, timeframe: timeframe.data, source: source as OhlcvMessage['source'] };

const restUrl = process.env.CRYPTOCOMPARE_REST_URL || 'https://min-api.cryptocompare.com';
const apiKey = process.env.CRYPTOCOMPARE_API_KEY || undefined;
const dataApiUrl = process.env.CRYPTOCOMPARE_DATA_API_URL || undefined;
const rateLimiter = createRateLimiter({ store: fileStore(join(process.env.DATA_DIR || '.data', 'cryptocompare-rate-limiter.json')) });
const client = createRestClient({ baseUrl: restUrl, ...(dataApiUrl ? { dataApiUrl } : {}), ...(apiKey ? { apiKey } : {}), rateLimiter });

const sink = out === '-' ? process.stdout : createWriteStream(out);
sink.on('error', (error) => {
  process.stderr.write(`backfill: cannot write ${out}: ${error.message}\n`);
  process.exit(1);
});
function write(line: string): Promise<void> {
  if (sink.write(line)) return Promise.resolve();
  return new Promise((resolve) => sink.once('drain', () => resolve()));
}

/** min-api first; its minute history stops 7 days back, so older minutes come from the Data API when one is configured. */
async function fetchSeries(symbol: string): Promise<FetchRangeResult> {
  const range: Omit<FetchRangeOptions, 'client'> = {
    ...series, symbol, from, to,
    onPage: (p) => process.stderr.write(`[backfill] ${symbol} ${series.timeframe} page ${p.page}: ${p.candles} candles${p.oldest === null ? '' : ` back to ${new Date(p.oldest).toISOString()}`}\n`),
  };
  try {
    return await fetchRange({ ...range, client });
  } catch (error) {
    if (!dataApiUrl || !isCryptoCompareError(error, 'CC_NO_DATA') || !/7 days/.test(error.message)) throw error;
    process.stderr.write(`[backfill] ${symbol}: min-api keeps minutes for 7 days only; fetching the range from the Data API\n`);
    return fetchDataApiRange({ ...range, client });
  }
}

try {
  const all: OhlcvMessage[] = [];
  for (const symbol of symbols) {
    const result = await fetchSeries(symbol);
    for (const gap of result.gaps) process.stderr.write(`[backfill] ${symbol}: no candles from ${new Date(gap.from).toISOString()} to ${new Date(gap.to).toISOString()} (source gap)\n`);
    if (result.reachedListing) process.stderr.write(`[backfill] ${symbol}: range starts before the pair listed; padding left out\n`);
    process.stderr.write(`[backfill] ${symbol}: ${result.candles.length} candles in ${result.pages} pages\n`);
    all.push(...result.candles);
  }
  // Oldest first across symbols; ties keep the --symbols order.
  const order = new Map(symbols.map((s, i) => [s, i]));
  all.sort((a, b) => a.timestamp - b.timestamp || (order.get(a.symbol) ?? 0) - (order.get(b.symbol) ?? 0));
  for (const candle of all) await write(`${JSON.stringify(OhlcvMessage.parse(candle))}\n`);
  if (sink !== process.stdout) await new Promise<void>((resolve, reject) => (sink as ReturnType<typeof createWriteStream>).end((e?: Error | null) => (e ? reject(e) : resolve())));
  await rateLimiter.flush();
  process.stderr.write(`[backfill] wrote ${all.length} candles to ${out === '-' ? 'stdout' : out}\n`);
} catch (error) {
  const text = isAppError(error) ? `${error.code}: ${error.message}` : redact(error instanceof Error ? error.message : String(error));
  process.stderr.write(`backfill: ${text}\n`);
  process.exit(1);
}
