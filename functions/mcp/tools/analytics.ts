import * as z from 'zod';
import { Symbol, Timeframe } from '../../../schemas/common.ts';
import { CursorArg, decodeCursor, encodeCursor, queryKey } from '../cursor.ts';
import { ANALYTICS_QUERIES } from '../ports.ts';
import { badInput } from '../result.ts';
import { READ_ONLY, defineTool } from './define.ts';
import { ExchangeArg, LimitArg, RangeArg, checkRange } from './shared.ts';

const Cell = z.union([z.string(), z.number(), z.null()]);
/** Pages reach at most this many rows into a result (results are aggregates: a few rows per symbol or bucket). */
const MAX_ROWS = 5_000;

export const runAnalytics = defineTool({
  name: 'run_analytics',
  title: 'Run analytics query',
  description: 'Runs one named, parameterised analytical query over stored candles (no raw SQL): '
    + 'returns (per symbol total/mean/min/max return %), volatility (std-dev of returns, annualised), correlation (pairwise return correlation, ≥2 symbols), '
    + 'volume_profile (volume per price bucket), top_movers (symbols ranked by change %).',
  scope: 'read',
  input: z.object({
    query: z.enum(ANALYTICS_QUERIES),
    exchange: ExchangeArg,
    symbols: z.array(Symbol).min(1).max(20),
    timeframe: Timeframe.default('1h'),
    range: RangeArg,
    buckets: z.number().int().min(5).max(100).default(20).describe('Price buckets (volume_profile)'),
    columns: z.array(z.string().regex(/^[a-z_]{1,40}$/)).max(20).optional().describe('Only these result columns; default all'),
    limit: LimitArg(500, 100),
    cursor: CursorArg.optional(),
  }),
  output: z.object({
    summary: z.string(),
    nextCursor: z.string().nullable().describe('Pass as cursor (with the same arguments) for the next rows; null when done'),
    query: z.enum(ANALYTICS_QUERIES),
    columns: z.array(z.string()),
    rows: z.array(z.record(z.string(), Cell)),
    truncated: z.boolean().describe('More rows follow (see nextCursor)'),
  }),
  annotations: { ...READ_ONLY, title: 'Run analytics query' },
  async run(args, { deps }) {
    checkRange(args.range);
    const symbols = [...new Set(args.symbols)];
    if (args.query === 'correlation' && symbols.length < 2) throw badInput('correlation needs at least two different symbols');
    // Columns are not part of the key: a later page may select other columns of the same rows.
    const key = queryKey(['analytics', args.query, args.exchange, symbols, args.timeframe, args.range, args.buckets]);
    const offset = args.cursor === undefined ? 0 : Number(decodeCursor('analytics', args.cursor, key));
    if (!Number.isInteger(offset) || offset < 0 || offset >= MAX_ROWS) throw badInput('cursor is not valid for run_analytics: omit it to start over');
    // The statements are deterministic (fixed ORDER BY), so re-running with a larger limit and skipping is a stable page.
    const want = Math.min(MAX_ROWS, offset + args.limit);
    const rows = (await deps.analytics.run(args.query, { exchange: args.exchange, symbols, timeframe: args.timeframe, from: args.range.from, to: args.range.to, buckets: args.buckets, limit: want + 1 })).slice(offset);
    const all = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    const columns = args.columns === undefined ? all : all.filter((c) => args.columns?.includes(c));
    const page = rows.slice(0, want - offset).map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));
    const more = rows.length > page.length;
    const nextCursor = more && offset + page.length < MAX_ROWS ? encodeCursor('analytics', offset + page.length, key) : null;
    return {
      summary: `${args.query}: rows ${offset + 1}..${offset + page.length} over ${symbols.join(', ')} ${args.timeframe}${nextCursor === null ? '' : '; more via nextCursor'}`,
      nextCursor, query: args.query, columns, rows: page, truncated: more,
    };
  },
});
