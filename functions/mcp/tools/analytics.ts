import * as z from 'zod';
import { Symbol, Timeframe } from '../../../schemas/common.ts';
import { ANALYTICS_QUERIES } from '../ports.ts';
import { badInput } from '../result.ts';
import { READ_ONLY, defineTool } from './define.ts';
import { ExchangeArg, LimitArg, RangeArg, checkRange } from './shared.ts';

const Cell = z.union([z.string(), z.number(), z.null()]);

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
  }),
  output: z.object({ summary: z.string(), query: z.enum(ANALYTICS_QUERIES), columns: z.array(z.string()), rows: z.array(z.record(z.string(), Cell)), truncated: z.boolean() }),
  annotations: { ...READ_ONLY, title: 'Run analytics query' },
  async run(args, { deps }) {
    checkRange(args.range);
    const symbols = [...new Set(args.symbols)];
    if (args.query === 'correlation' && symbols.length < 2) throw badInput('correlation needs at least two different symbols');
    const rows = await deps.analytics.run(args.query, { exchange: args.exchange, symbols, timeframe: args.timeframe, from: args.range.from, to: args.range.to, buckets: args.buckets, limit: args.limit + 1 });
    const all = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    const columns = args.columns === undefined ? all : all.filter((c) => args.columns?.includes(c));
    const page = rows.slice(0, args.limit).map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));
    return { summary: `${args.query}: ${page.length} rows over ${symbols.join(', ')} ${args.timeframe}`, query: args.query, columns, rows: page, truncated: rows.length > args.limit };
  },
});
