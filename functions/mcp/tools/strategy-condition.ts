/**
 * Entry/exit conditions of run_backtest: comparisons between candle fields, indicator outputs (computed on the fly
 * from the indicator catalogue) and constants. Alert rules use schemas/alert-rule.ts instead, whose indicator
 * operands refer to what the indicators function already stored on each candle.
 */
import * as z from 'zod';
import { INDICATOR_NAMES } from '../../lib/indicators/types.ts';

const PriceField = z.enum(['open', 'high', 'low', 'close', 'volume', 'quoteVolume']);

export const IndicatorRef = z.strictObject({
  name: z.enum(INDICATOR_NAMES),
  params: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,30}$/), z.number().finite()).optional().describe('Indicator parameters; defaults from the catalogue'),
  output: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,30}$/).optional().describe('Output line, e.g. macd, signal, upper; default the first'),
});

/** A series operand: a candle field or an indicator output. */
export const Operand = z.union([
  z.strictObject({ field: PriceField }),
  z.strictObject({ indicator: IndicatorRef }),
]);

const Compare = z.strictObject({
  op: z.enum(['crosses', 'crosses_above', 'crosses_below', 'greater_than', 'less_than']),
  left: Operand,
  right: z.union([z.strictObject({ value: z.number().finite() }), Operand]),
});
const Channel = z.strictObject({
  op: z.enum(['entering_channel', 'exiting_channel', 'inside_channel', 'outside_channel']),
  left: Operand,
  lower: z.number().finite(),
  upper: z.number().finite(),
}).refine((c) => c.lower < c.upper, { message: 'lower must be below upper', path: ['lower'] });
const Moving = z.strictObject({
  op: z.enum(['moving_up', 'moving_down', 'moving_up_pct', 'moving_down_pct']),
  left: Operand,
  amount: z.number().positive().finite().describe('Absolute change, or percent for *_pct'),
  bars: z.number().int().min(1).max(500),
});
const VolumeSpike = z.strictObject({
  op: z.literal('volume_spike'),
  multiple: z.number().min(1).max(1000).describe('Volume at least this multiple of its average'),
  bars: z.number().int().min(2).max(500).describe('Bars in the average'),
});

export const StrategyCondition = z.union([Compare, Channel, Moving, VolumeSpike]);
