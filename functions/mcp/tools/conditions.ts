/** Evaluates run_backtest's entry/exit conditions over a bar series. */
import type * as z from 'zod';
import type { Bar, IndicatorSpec } from '../../lib/indicators/types.ts';
import type { IndicatorPort } from '../ports.ts';
import { badInput } from '../result.ts';
import type { Operand, StrategyCondition } from './strategy-condition.ts';

type OperandT = z.infer<typeof Operand>;
type ConditionT = z.infer<typeof StrategyCondition>;
export type Series = (number | null)[];

export function operandSeries(op: OperandT, bars: Bar[], indicators: IndicatorPort): Series {
  if ('field' in op) return bars.map((b) => (op.field === 'quoteVolume' ? b.quoteVolume ?? null : b[op.field]));
  const spec: IndicatorSpec = { name: op.indicator.name, ...(op.indicator.params === undefined ? {} : { params: op.indicator.params }) };
  const [results] = indicators.compute(bars, [spec]);
  if (results === undefined) return bars.map(() => null);
  const output = op.indicator.output;
  return results.map((r) => {
    const keys = Object.keys(r.values);
    const key = output ?? keys[0];
    if (key === undefined) return null;
    if (!(key in r.values)) throw badInput(`${op.indicator.name} has no output "${key}"; outputs are ${keys.join(', ')}`);
    return r.values[key] ?? null;
  });
}

/** For each bar, whether the condition holds there (crosses need the previous bar too). */
export function conditionSeries(cond: ConditionT, bars: Bar[], indicators: IndicatorPort): boolean[] {
  if (cond.op === 'volume_spike') {
    return bars.map((b, i) => {
      if (i < cond.bars) return false;
      let sum = 0;
      for (let j = i - cond.bars; j < i; j++) sum += bars[j]?.volume ?? 0;
      const avg = sum / cond.bars;
      return avg > 0 && b.volume >= cond.multiple * avg;
    });
  }
  const left = operandSeries(cond.left, bars, indicators);
  switch (cond.op) {
    case 'crosses': case 'crosses_above': case 'crosses_below': case 'greater_than': case 'less_than': {
      const rightOp = cond.right;
      const right: Series = 'value' in rightOp ? bars.map(() => rightOp.value) : operandSeries(rightOp, bars, indicators);
      return left.map((l, i) => {
        const r = right[i];
        if (l === null || r == null) return false;
        if (cond.op === 'greater_than') return l > r;
        if (cond.op === 'less_than') return l < r;
        const pl = left[i - 1];
        const pr = right[i - 1];
        if (pl == null || pr == null) return false;
        const up = pl <= pr && l > r;
        const down = pl >= pr && l < r;
        return cond.op === 'crosses_above' ? up : cond.op === 'crosses_below' ? down : up || down;
      });
    }
    case 'entering_channel': case 'exiting_channel': case 'inside_channel': case 'outside_channel': {
      const inside = left.map((l) => (l === null ? null : l >= cond.lower && l <= cond.upper));
      return inside.map((now, i) => {
        if (now === null) return false;
        if (cond.op === 'inside_channel') return now;
        if (cond.op === 'outside_channel') return !now;
        const before = inside[i - 1];
        if (before == null) return false;
        return cond.op === 'entering_channel' ? !before && now : before && !now;
      });
    }
    case 'moving_up': case 'moving_down': case 'moving_up_pct': case 'moving_down_pct':
      return left.map((l, i) => {
        const base = left[i - cond.bars];
        if (l === null || base == null) return false;
        const change = cond.op.endsWith('_pct') ? (base === 0 ? 0 : ((l - base) / base) * 100) : l - base;
        return cond.op.startsWith('moving_up') ? change >= cond.amount : -change >= cond.amount;
      });
  }
}
