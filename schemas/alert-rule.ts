import * as z from 'zod';
import { PATTERN_NAMES } from '../functions/lib/patterns/definitions.ts';
import { EpochMs, Exchange, Symbol, Timeframe } from './common.ts';

const Direction = z.enum(['up', 'down', 'any']).describe('up = crossing upwards; down = downwards; any = either');
/** One output of an indicator the indicators function computed, by the id it carries on the candle. */
const IndicatorOutput = z.object({
  indicator: z.string().min(1).max(40).describe('Indicator id on the candle, e.g. RSI, MACD, SMA50'),
  output: z.string().min(1).max(40).describe('Output of that indicator, e.g. rsi, macd, signal, upper'),
});

/** What a rule watches. Crossings need a previous bar and fire on fresh crosses only; thresholds are states. */
export const AlertCondition = z.discriminatedUnion('type', [
  z.object({ type: z.literal('price_cross'), direction: Direction, level: z.number().positive() }).describe('close crosses a level'),
  z.object({ type: z.literal('price_threshold'), op: z.enum(['above', 'below']), level: z.number().positive() }).describe('close is above / below a level'),
  z.object({
    type: z.literal('percent_move'),
    direction: Direction,
    percent: z.number().positive().max(10_000),
    bars: z.number().int().min(1).max(500),
  }).describe('close moved at least `percent` against the close `bars` bars before'),
  z.object({
    type: z.literal('channel'),
    action: z.enum(['entering', 'exiting', 'inside', 'outside']),
    lower: z.number().positive(),
    upper: z.number().positive(),
  }).refine((c) => c.lower < c.upper, { message: 'lower must be below upper', path: ['lower'] }).describe('close enters / exits (events) or is inside / outside (states) [lower, upper]'),
  z.object({
    type: z.literal('volume_spike'),
    multiplier: z.number().gt(1).max(1_000),
    baselineBars: z.number().int().min(2).max(500).default(20),
  }).describe('volume above multiplier x the mean volume of the previous baselineBars closed bars'),
  z.object({
    type: z.literal('indicator_cross'),
    direction: Direction,
    series: IndicatorOutput,
    value: z.number().optional(),
    other: IndicatorOutput.optional(),
  }).refine((c) => (c.value === undefined) !== (c.other === undefined), { message: 'give exactly one of value or other', path: ['value'] })
    .describe('an indicator output crosses a value or another output (e.g. MACD macd vs signal)'),
  z.object({ type: z.literal('indicator_threshold'), series: IndicatorOutput, op: z.enum(['above', 'below']), value: z.number() }).describe('an indicator output is above / below a value'),
  z.object({
    type: z.literal('pattern'),
    pattern: z.enum(PATTERN_NAMES),
    direction: z.enum(['bullish', 'bearish', 'any']).default('any'),
  }).describe('a TA-Lib candlestick pattern completes on the candle'),
]);
export type AlertCondition = z.infer<typeof AlertCondition>;

/**
 * How often a rule may fire (TradingView's frequencies):
 * - once: the first time only, then the rule is spent;
 * - once_per_bar: at most once per candle, evaluated on forming updates too (can fire before the bar closes);
 * - once_per_bar_close: only on closed candles, at most once per candle (no repainting);
 * - once_per_interval: at most once per `intervalMs` of candle time, evaluated on every update.
 */
export const AlertTrigger = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('once') }),
  z.object({ mode: z.literal('once_per_bar') }),
  z.object({ mode: z.literal('once_per_bar_close') }),
  z.object({ mode: z.literal('once_per_interval'), intervalMs: z.number().int().min(1_000) }),
]);
export type AlertTrigger = z.infer<typeof AlertTrigger>;

/** A user/agent alert rule; the alerts function evaluates every active, unexpired rule matching a candle's series. */
export const AlertRule = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'rule id: 1-64 of A-Z a-z 0-9 _ . : -'),
  name: z.string().max(200).optional(),
  exchange: Exchange.optional().describe('Absent = any exchange'),
  symbol: Symbol,
  timeframe: Timeframe,
  condition: AlertCondition,
  trigger: AlertTrigger.default({ mode: 'once_per_bar_close' }),
  expiresAt: EpochMs.optional().describe('The rule no longer fires from this instant on'),
  severity: z.enum(['info', 'warning', 'critical']).default('info'),
  message: z.string().max(1000).optional().describe('Text for the event; the condition is described when absent'),
  webhookUrl: z.string().url().optional(),
  active: z.boolean().default(true),
  createdAt: EpochMs.optional(),
});
export type AlertRule = z.infer<typeof AlertRule>;
export type AlertRuleInput = z.input<typeof AlertRule>;
