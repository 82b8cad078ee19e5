import * as z from 'zod';
import { EpochMs, Symbol, TIMEFRAME_MS, Timeframe } from '../../../schemas/common.ts';
import type { Timeframe as TimeframeT } from '../../../schemas/common.ts';
import { isAppError } from '../../lib/errors.ts';
import type { Bar, IndicatorResult } from '../../lib/indicators/types.ts';
import { CursorArg, decodeCursor, encodeCursor, queryKey } from '../cursor.ts';
import type { McpDeps } from '../deps.ts';
import { badInput } from '../result.ts';
import { IndicatorRef, StrategyCondition } from './strategy-condition.ts';
import { conditionSeries } from './conditions.ts';
import { READ_ONLY, defineTool } from './define.ts';
import { ExchangeArg, LimitArg, RangeArg, checkRange } from './shared.ts';

const MAX_BARS = 100_000;

/** Closed bars of a series, oldest first, with `warmup` extra bars before `from` (bounded by MAX_BARS). */
async function loadBars(deps: McpDeps, q: { exchange: string; symbol: string; timeframe: TimeframeT; from: number; to: number }, warmup: number): Promise<{ bars: Bar[]; times: number[] }> {
  const step = TIMEFRAME_MS[q.timeframe];
  const { candles } = await deps.read.candles({ ...q, from: Math.max(0, q.from - warmup * step), limit: MAX_BARS + warmup });
  const closed = candles.filter((c) => c.state !== 'forming');
  return {
    bars: closed.map((c) => ({ time: c.timestamp, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, quoteVolume: c.quoteVolume })),
    times: closed.map((c) => c.timestamp),
  };
}

function computeSafely(deps: McpDeps, bars: Bar[], specs: z.infer<typeof IndicatorRef>[]): IndicatorResult[][] {
  try {
    return deps.indicators.compute(bars, specs.map((s) => ({ name: s.name, ...(s.params === undefined ? {} : { params: s.params }) })));
  } catch (error) {
    if (isAppError(error) && error.status < 500) throw error;
    deps.onInternalError(error);
    throw badInput('an indicator could not be computed with these parameters: check names and params against the catalogue (defaults are safe)');
  }
}

const Provenance = z.object({
  method: z.string(), params: z.record(z.string(), z.number()), lookback: z.number(), consumed: z.number(), stable: z.boolean(),
  convention: z.enum(['ta-lib', 'published']), reference: z.string().optional(),
});

export const getIndicators = defineTool({
  name: 'get_indicators',
  title: 'Indicators',
  description: 'Computes up to 8 indicators (SMA, EMA, RSI, MACD, BBANDS, ATR, …) over stored closed candles, with warm-up bars fetched before the range. '
    + 'Each indicator carries provenance (algorithm variant, params, lookback, stability). Page through points with nextCursor.',
  scope: 'read',
  input: z.object({
    exchange: ExchangeArg,
    symbol: Symbol,
    timeframe: Timeframe,
    range: RangeArg,
    indicators: z.array(IndicatorRef.omit({ output: true })).min(1).max(8),
    warmupBars: z.number().int().min(0).max(1000).default(250).describe('Extra bars before range.from so values are stable'),
    limit: LimitArg(1000, 200),
    cursor: CursorArg.optional(),
  }),
  output: z.object({
    summary: z.string(),
    nextCursor: z.string().nullable(),
    indicators: z.array(z.object({ name: z.string(), params: z.record(z.string(), z.number()), provenance: Provenance.nullable() })),
    points: z.array(z.object({ t: EpochMs, values: z.array(z.record(z.string(), z.number().nullable())).describe('One entry per indicator, same order'), stable: z.boolean() })),
  }),
  annotations: { ...READ_ONLY, title: 'Indicators' },
  async run(args, { deps }) {
    checkRange(args.range, args.timeframe, MAX_BARS);
    const key = queryKey(['ind', args.exchange, args.symbol, args.timeframe, args.range, args.indicators, args.warmupBars]);
    const after = args.cursor === undefined ? -1 : Number(decodeCursor('indicators', args.cursor, key));
    const { bars, times } = await loadBars(deps, { exchange: args.exchange, symbol: args.symbol, timeframe: args.timeframe, ...args.range }, args.warmupBars);
    const results = computeSafely(deps, bars, args.indicators);
    const indices = times.map((t, i) => [t, i] as const).filter(([t]) => t >= args.range.from && t > after);
    const page = indices.slice(0, args.limit);
    const points = page.map(([t, i]) => {
      const row = results.map((r) => r[i]);
      return { t, values: row.map((r) => r?.values ?? {}), stable: row.every((r) => r?.provenance.stable === true) };
    });
    const lastIndex = bars.length - 1;
    const indicators = args.indicators.map((spec, s) => {
      const last = results[s]?.[lastIndex];
      return { name: spec.name, params: last?.provenance.params ?? spec.params ?? {}, provenance: last?.provenance ?? null };
    });
    const lastPoint = page.at(-1);
    const nextCursor = indices.length > args.limit && lastPoint !== undefined ? encodeCursor('indicators', lastPoint[0], key) : null;
    return {
      summary: `${args.symbol} ${args.timeframe}: ${points.length} points of ${args.indicators.map((i) => i.name).join(', ')}; ${points.filter((p) => !p.stable).length} still warming up`
        + (nextCursor === null ? '' : '; more via nextCursor'),
      nextCursor,
      indicators,
      points,
    };
  },
});

const Trade = z.object({ entryAt: EpochMs, entryPrice: z.number(), exitAt: EpochMs, exitPrice: z.number(), exitReason: z.enum(['signal', 'stop_loss', 'take_profit', 'end']), pnlPct: z.number() });

export const runBacktest = defineTool({
  name: 'run_backtest',
  title: 'Backtest a rule-based strategy',
  description: 'Backtests a long or short strategy over stored closed candles: enter when `entry` holds at a bar close (filled at the next open), exit on `exit`, '
    + 'stop-loss or take-profit; fees per side. Conditions compare candle fields, indicator outputs and constants (crosses, greater/less, channels, moves over N bars, volume spikes). Returns metrics (PnL, max drawdown, Sharpe, win rate) and the first trades.',
  scope: 'read',
  input: z.object({
    exchange: ExchangeArg,
    symbol: Symbol,
    timeframe: Timeframe,
    range: RangeArg,
    strategy: z.strictObject({
      side: z.enum(['long', 'short']).default('long'),
      entry: StrategyCondition,
      exit: StrategyCondition.optional(),
      stopLossPct: z.number().positive().max(100).optional(),
      takeProfitPct: z.number().positive().max(10_000).optional(),
      feeBps: z.number().min(0).max(500).default(10),
    }),
    initialCapital: z.number().positive().max(1e12).default(10_000),
    tradesLimit: LimitArg(500, 50),
  }),
  output: z.object({
    summary: z.string(),
    metrics: z.object({
      bars: z.number().int(), trades: z.number().int(), winRatePct: z.number().nullable(), totalReturnPct: z.number(), pnl: z.number(), finalEquity: z.number(),
      maxDrawdownPct: z.number(), sharpe: z.number().nullable(), exposurePct: z.number(), buyAndHoldPct: z.number().nullable(),
    }),
    trades: z.array(Trade),
    tradesTruncated: z.boolean(),
  }),
  annotations: { ...READ_ONLY, title: 'Backtest a rule-based strategy' },
  async run(args, { deps }) {
    checkRange(args.range, args.timeframe, MAX_BARS);
    if (args.strategy.exit === undefined && args.strategy.stopLossPct === undefined && args.strategy.takeProfitPct === undefined) {
      throw badInput('strategy needs a way out: give exit, stopLossPct or takeProfitPct');
    }
    const warmup = 250;
    const { bars, times } = await loadBars(deps, { exchange: args.exchange, symbol: args.symbol, timeframe: args.timeframe, ...args.range }, warmup);
    const start = times.findIndex((t) => t >= args.range.from);
    if (start < 0 || bars.length - start < 2) throw badInput('fewer than 2 closed candles stored in range: check list_markets coverage or request_backfill');
    const entry = conditionSeries(args.strategy.entry, bars, deps.indicators);
    const exit = args.strategy.exit === undefined ? bars.map(() => false) : conditionSeries(args.strategy.exit, bars, deps.indicators);
    return simulate(bars, start, entry, exit, args.strategy, args.initialCapital, args.timeframe, args.tradesLimit);
  },
});

interface StrategyT { side: 'long' | 'short'; stopLossPct?: number; takeProfitPct?: number; feeBps: number }

function simulate(bars: Bar[], start: number, entry: boolean[], exit: boolean[], s: StrategyT, capital: number, timeframe: TimeframeT, tradesLimit: number) {
  const fee = s.feeBps / 10_000;
  const dir = s.side === 'long' ? 1 : -1;
  const trades: z.infer<typeof Trade>[] = [];
  let equity = capital;
  let position: { entryAt: number; entryPrice: number; equityAtEntry: number } | null = null;
  let pendingEntry = false;
  let inMarketBars = 0;
  let peak = capital;
  let maxDd = 0;
  const returns: number[] = [];
  let prevMark = capital;
  const close = (at: number, price: number, reason: z.infer<typeof Trade>['exitReason']): void => {
    if (position === null) return;
    const gross = 1 + dir * ((price - position.entryPrice) / position.entryPrice);
    equity = position.equityAtEntry * (1 - fee) * gross * (1 - fee);
    trades.push({ entryAt: position.entryAt, entryPrice: position.entryPrice, exitAt: at, exitPrice: price, exitReason: reason, pnlPct: ((equity / position.equityAtEntry) - 1) * 100 });
    position = null;
  };
  for (let i = start; i < bars.length; i++) {
    const bar = bars[i] as Bar;
    if (pendingEntry && position === null) position = { entryAt: bar.time, entryPrice: bar.open, equityAtEntry: equity };
    pendingEntry = false;
    if (position !== null) {
      inMarketBars++;
      const stop = s.stopLossPct === undefined ? null : position.entryPrice * (1 - dir * s.stopLossPct / 100);
      const take = s.takeProfitPct === undefined ? null : position.entryPrice * (1 + dir * s.takeProfitPct / 100);
      // A bar that touches both levels counts as a stop: the pessimistic assumption without intrabar data.
      if (stop !== null && (dir === 1 ? bar.low <= stop : bar.high >= stop)) close(bar.time, stop, 'stop_loss');
      else if (take !== null && (dir === 1 ? bar.high >= take : bar.low <= take)) close(bar.time, take, 'take_profit');
      else if (exit[i] === true) close(bar.time, bar.close, 'signal');
    } else if (entry[i] === true && i + 1 < bars.length) {
      pendingEntry = true;
    }
    const mark = position === null ? equity : position.equityAtEntry * (1 - fee) * (1 + dir * ((bar.close - position.entryPrice) / position.entryPrice));
    returns.push(prevMark === 0 ? 0 : mark / prevMark - 1);
    prevMark = mark;
    peak = Math.max(peak, mark);
    maxDd = Math.max(maxDd, peak === 0 ? 0 : (peak - mark) / peak);
  }
  const lastBar = bars[bars.length - 1] as Bar;
  close(lastBar.time, lastBar.close, 'end');
  const n = returns.length;
  const mean = returns.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const sd = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  const periodsPerYear = (365 * 86_400_000) / TIMEFRAME_MS[timeframe];
  const sharpe = sd > 0 ? (mean / sd) * Math.sqrt(periodsPerYear) : null;
  const wins = trades.filter((t) => t.pnlPct > 0).length;
  const firstOpen = (bars[start] as Bar).open;
  const metrics = {
    bars: bars.length - start,
    trades: trades.length,
    winRatePct: trades.length === 0 ? null : (wins / trades.length) * 100,
    totalReturnPct: (equity / capital - 1) * 100,
    pnl: equity - capital,
    finalEquity: equity,
    maxDrawdownPct: maxDd * 100,
    sharpe,
    exposurePct: (inMarketBars / Math.max(1, bars.length - start)) * 100,
    buyAndHoldPct: firstOpen === 0 ? null : ((lastBar.close - firstOpen) / firstOpen) * 100,
  };
  return {
    summary: `${trades.length} trades, return ${metrics.totalReturnPct.toFixed(2)}% (buy&hold ${metrics.buyAndHoldPct?.toFixed(2) ?? 'n/a'}%), max drawdown ${metrics.maxDrawdownPct.toFixed(2)}%, Sharpe ${sharpe?.toFixed(2) ?? 'n/a'}`,
    metrics,
    trades: trades.slice(0, tradesLimit),
    tradesTruncated: trades.length > tradesLimit,
  };
}
