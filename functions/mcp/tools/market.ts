import * as z from 'zod';
import { EpochMs, Exchange, Symbol, TIMEFRAME_MS, Timeframe } from '../../../schemas/common.ts';
import { CandleState, QualityFlag } from '../../../schemas/ohlcv.ts';
import { CursorArg, decodeCursor, encodeCursor, queryKey } from '../cursor.ts';
import type { StoredCandle } from '../ports.ts';
import { READ_ONLY, defineTool } from './define.ts';
import { ExchangeArg, LimitArg, Page, RangeArg, checkRange } from './shared.ts';

const CANDLE_FIELDS = ['open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades', 'state', 'revision', 'flags', 'candles'] as const;
type CandleField = (typeof CANDLE_FIELDS)[number];

const CandleOut = z.object({
  t: EpochMs.describe('Bucket start'),
  open: z.number().optional(),
  high: z.number().optional(),
  low: z.number().optional(),
  close: z.number().optional(),
  volume: z.number().optional(),
  quoteVolume: z.number().optional(),
  trades: z.number().nullable().optional(),
  state: CandleState.optional().describe('forming | closed | revised (a downsampled bucket is forming/revised if any part is)'),
  revision: z.number().int().optional().describe('0 as first published; higher when revised'),
  flags: z.array(QualityFlag).optional().describe('Quality flags (union over a downsampled bucket)'),
  candles: z.number().int().optional().describe('Stored candles folded into this point'),
});

/** The same candles column-wise: one array per field, index i of each is candle i (keys are not repeated per candle). */
const CandleColumns = z.object({
  t: z.array(EpochMs),
  open: z.array(z.number()).optional(),
  high: z.array(z.number()).optional(),
  low: z.array(z.number()).optional(),
  close: z.array(z.number()).optional(),
  volume: z.array(z.number()).optional(),
  quoteVolume: z.array(z.number()).optional(),
  trades: z.array(z.number().nullable()).optional(),
  state: z.array(CandleState).optional(),
  revision: z.array(z.number().int()).optional(),
  flags: z.array(z.array(QualityFlag)).optional(),
  candles: z.array(z.number().int()).optional(),
}).describe('encoding "columns": candle i is t[i], open[i], ...');

function toColumns(page: readonly StoredCandle[], fields: readonly CandleField[]): z.infer<typeof CandleColumns> {
  const out: Record<string, unknown[]> = { t: page.map((c) => c.timestamp) };
  for (const f of fields) out[f] = page.map((c) => c[f]);
  return out as z.infer<typeof CandleColumns>;
}

/** Every field, as one object literal: each candle gets the same shape, which serialising and validating 500 of them rely on. */
function allFields(c: StoredCandle): z.infer<typeof CandleOut> {
  return {
    t: c.timestamp, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, quoteVolume: c.quoteVolume,
    trades: c.trades, state: c.state, revision: c.revision, flags: c.flags, candles: c.candles,
  };
}

function pickFields(c: StoredCandle, fields: readonly CandleField[]): z.infer<typeof CandleOut> {
  if (fields === CANDLE_FIELDS) return allFields(c);
  const out: Record<string, unknown> = { t: c.timestamp };
  for (const f of fields) out[f] = c[f];
  return out as z.infer<typeof CandleOut>;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export const getCandles = defineTool({
  name: 'get_candles',
  title: 'OHLCV candles',
  description: 'Stored OHLCV candles of one series with each candle\'s state (forming/closed/revised) and quality flags. '
    + 'Set maxPoints to downsample a long range server-side (OHLC folded per bucket); select fields to keep results small; page with nextCursor.',
  scope: 'read',
  input: z.object({
    exchange: ExchangeArg,
    symbol: Symbol,
    timeframe: Timeframe,
    range: RangeArg,
    maxPoints: z.number().int().min(10).max(2000).optional().describe('Downsample so the whole range fits in about this many points'),
    fields: z.array(z.enum(CANDLE_FIELDS)).max(CANDLE_FIELDS.length).optional().describe('Fields per candle (t is always included); default all'),
    encoding: z.enum(['rows', 'columns']).default('rows').describe('rows: candles as objects; columns: one array per field in `columns` (about half the size), candles empty'),
    limit: LimitArg(1000, 500),
    cursor: CursorArg.optional(),
  }),
  output: z.object({
    ...Page,
    exchange: Exchange,
    symbol: Symbol,
    timeframe: Timeframe,
    bucketMs: z.number().int().describe('Spacing of the returned points (the timeframe unless downsampled)'),
    candles: z.array(CandleOut).describe('The candles (encoding "rows"; empty with "columns")'),
    columns: CandleColumns.optional(),
  }),
  annotations: { ...READ_ONLY, title: 'OHLCV candles' },
  async run(args, { deps }) {
    checkRange(args.range);
    const step = TIMEFRAME_MS[args.timeframe];
    const key = queryKey([args.exchange, args.symbol, args.timeframe, args.range, args.maxPoints ?? null]);
    const after = args.cursor === undefined ? undefined : Number(decodeCursor('candles', args.cursor, key));
    const { bucketMs, candles: rows } = await deps.read.candles({
      exchange: args.exchange, symbol: args.symbol, timeframe: args.timeframe, from: args.range.from, to: args.range.to,
      limit: args.limit + 1, ...(after === undefined ? {} : { after }), ...(args.maxPoints === undefined ? {} : { maxPoints: args.maxPoints }),
    });
    const page = rows.slice(0, args.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > args.limit && last !== undefined ? encodeCursor('candles', last.timestamp, key) : null;
    const fields = args.fields ?? CANDLE_FIELDS;
    const first = page[0];
    const flagged = page.filter((c) => c.flags.length > 0).length;
    const forming = page.filter((c) => c.state === 'forming').length;
    const summary = first === undefined || last === undefined
      ? `${args.symbol} ${args.timeframe}: no candles stored in range; see list_markets for coverage or request_backfill`
      : `${args.symbol} ${args.timeframe}: ${page.length} points${bucketMs === step ? '' : ` (${bucketMs / step} candles each)`} ${iso(first.timestamp)}..${iso(last.timestamp)}; `
        + `close ${first.close} -> ${last.close} (${first.close === 0 ? 'n/a' : `${(((last.close - first.close) / first.close) * 100).toFixed(2)}%`}); `
        + `${flagged} with quality flags, ${forming} forming${nextCursor === null ? '' : '; more available via nextCursor'}`;
    const base = { summary, nextCursor, exchange: args.exchange, symbol: args.symbol, timeframe: args.timeframe, bucketMs };
    return args.encoding === 'columns' ? { ...base, candles: [], columns: toColumns(page, fields) } : { ...base, candles: page.map((c) => pickFields(c, fields)) };
  },
});

export const getLatestPrices = defineTool({
  name: 'get_latest_prices',
  title: 'Latest prices',
  description: 'Latest stored 1m close (with its candle state and age) for up to 50 symbols at once. Symbols with no data are listed in missing.',
  scope: 'read',
  input: z.object({
    exchange: ExchangeArg,
    symbols: z.array(Symbol).min(1).max(50),
  }),
  output: z.object({
    summary: z.string(),
    prices: z.array(z.object({ symbol: Symbol, price: z.number(), timestamp: EpochMs, state: CandleState, ageMs: z.number().int() })),
    missing: z.array(Symbol),
  }),
  annotations: { ...READ_ONLY, title: 'Latest prices' },
  async run(args, { deps }) {
    const symbols = [...new Set(args.symbols)];
    const rows = await deps.read.latest(args.exchange, symbols);
    const found = new Set(rows.map((r) => r.symbol));
    const missing = symbols.filter((s) => !found.has(s));
    const prices = rows.map((r) => ({ symbol: r.symbol, price: r.close, timestamp: r.timestamp, state: r.state, ageMs: Math.round(r.ageMs) }));
    const stalest = prices.reduce((m, p) => Math.max(m, p.ageMs), 0);
    return {
      summary: `${prices.length} of ${symbols.length} symbols priced on ${args.exchange}; oldest ${Math.round(stalest / 1000)}s old${missing.length > 0 ? `; no data for ${missing.join(', ')}` : ''}`,
      prices,
      missing,
    };
  },
});

const MARKET_FIELDS = ['base', 'quote', 'active', 'coverage'] as const;

export const listMarkets = defineTool({
  name: 'list_markets',
  title: 'Markets and coverage',
  description: 'Symbols and exchanges the platform stores, with metadata and, per store (timescale, clickhouse) and timeframe, the first/last candle and count.',
  scope: 'read',
  input: z.object({
    exchange: Exchange.optional().describe('Only this exchange'),
    fields: z.array(z.enum(MARKET_FIELDS)).max(MARKET_FIELDS.length).optional().describe('Fields per market besides exchange and symbol; default all'),
    limit: LimitArg(200, 50),
    cursor: CursorArg.optional(),
  }),
  output: z.object({
    ...Page,
    markets: z.array(z.object({
      exchange: Exchange,
      symbol: Symbol,
      base: z.string().optional(),
      quote: z.string().optional(),
      active: z.boolean().optional(),
      coverage: z.array(z.object({ store: z.string(), timeframe: Timeframe, first: EpochMs.nullable(), last: EpochMs.nullable(), candles: z.number().int() })).optional(),
    })),
  }),
  annotations: { ...READ_ONLY, title: 'Markets and coverage' },
  async run(args, { deps }) {
    const key = queryKey(['markets', args.exchange ?? null]);
    const after = args.cursor === undefined ? undefined : String(decodeCursor('markets', args.cursor, key));
    const rows = await deps.read.markets({ ...(args.exchange === undefined ? {} : { exchange: args.exchange }), ...(after === undefined ? {} : { after }), limit: args.limit + 1 });
    const page = rows.slice(0, args.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > args.limit && last !== undefined ? encodeCursor('markets', `${last.exchange}:${last.symbol}`, key) : null;
    const fields = args.fields ?? MARKET_FIELDS;
    const markets = page.map((m) => {
      const out: Record<string, unknown> = { exchange: m.exchange, symbol: m.symbol };
      for (const f of fields) out[f] = m[f];
      return out as { exchange: string; symbol: string };
    });
    return { summary: `${page.length} markets${args.exchange === undefined ? '' : ` on ${args.exchange}`}${nextCursor === null ? '' : '; more via nextCursor'}`, nextCursor, markets };
  },
});

const QUALITY_SECTIONS = ['gaps', 'dead_letters', 'freshness'] as const;

export const getDataQuality = defineTool({
  name: 'get_data_quality',
  title: 'Data quality',
  description: 'Known gaps (open or repaired), dead-letter counts by stage and reason, and freshness per stream. Use before trusting a series; request_backfill repairs gaps.',
  scope: 'read',
  input: z.object({
    exchange: Exchange.optional(),
    symbol: Symbol.optional(),
    sections: z.array(z.enum(QUALITY_SECTIONS)).min(1).max(3).optional().describe('Which sections to return; default all'),
    openGapsOnly: z.boolean().default(true),
    deadLetterWindowMs: z.number().int().min(60_000).max(30 * 86_400_000).default(86_400_000).describe('Count dead letters from this far back'),
    limit: LimitArg(500, 100),
  }),
  output: z.object({
    summary: z.string(),
    gaps: z.array(z.object({ exchange: Exchange, symbol: Symbol, timeframe: Timeframe, from: EpochMs, to: EpochMs, reason: z.string(), detectedAt: EpochMs, repaired: z.boolean() })).optional(),
    truncated: z.boolean().describe('More gaps exist than limit; narrow by symbol'),
    deadLetters: z.array(z.object({ stage: z.string(), reasonCode: z.string(), count: z.number().int(), lastAt: EpochMs })).optional(),
    freshness: z.array(z.object({ stream: z.string(), status: z.string(), lastMessageAt: EpochMs.nullable(), ageMs: z.number().nullable(), reconnects: z.number().int() })).optional(),
  }),
  annotations: { ...READ_ONLY, title: 'Data quality' },
  async run(args, { deps }) {
    const sections = new Set(args.sections ?? QUALITY_SECTIONS);
    const out: { summary: string; truncated: boolean; gaps?: Awaited<ReturnType<typeof deps.read.gaps>>; deadLetters?: Awaited<ReturnType<typeof deps.read.deadLetters>>; freshness?: Awaited<ReturnType<typeof deps.read.streams>> } = { summary: '', truncated: false };
    const parts: string[] = [];
    if (sections.has('gaps')) {
      const gaps = await deps.read.gaps({ ...(args.exchange === undefined ? {} : { exchange: args.exchange }), ...(args.symbol === undefined ? {} : { symbol: args.symbol }), openOnly: args.openGapsOnly, limit: args.limit + 1 });
      out.truncated = gaps.length > args.limit;
      out.gaps = gaps.slice(0, args.limit);
      parts.push(`${out.gaps.length}${out.truncated ? '+' : ''} ${args.openGapsOnly ? 'open ' : ''}gaps`);
    }
    if (sections.has('dead_letters')) {
      out.deadLetters = (await deps.read.deadLetters({ sinceMs: deps.now() - args.deadLetterWindowMs })).slice(0, args.limit);
      parts.push(`${out.deadLetters.reduce((n, d) => n + d.count, 0)} dead letters in window`);
    }
    if (sections.has('freshness')) {
      out.freshness = (await deps.read.streams()).slice(0, args.limit);
      const stale = out.freshness.filter((s) => s.status !== 'connected').length;
      parts.push(`${out.freshness.length} streams (${stale} not connected)`);
    }
    out.summary = parts.join('; ');
    return out;
  },
});
