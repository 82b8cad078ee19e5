import type { AlertCondition } from '../../schemas/alert-rule.ts';
import type { KeptBar } from '../lib/state/index.ts';
import { patternAt } from './pattern-window.ts';

export interface Evaluation {
  met: boolean;
  /** Human-readable condition, e.g. "close crosses above 65000". */
  description: string;
  evidence: Record<string, unknown>;
}

type Dir = 'up' | 'down' | 'any';
const crossWord: Record<Dir, string> = { up: 'crosses above', down: 'crosses below', any: 'crosses' };

/** A fresh cross between the previous and the current sample (TradingView semantics: needs a prior sample). */
function crossed(direction: Dir, prevA: number, prevB: number, curA: number, curB: number): boolean {
  const up = prevA <= prevB && curA > curB;
  const down = prevA >= prevB && curA < curB;
  return direction === 'up' ? up : direction === 'down' ? down : up || down;
}

/** Closed bars a condition needs before the current candle. */
export function historyNeeded(condition: AlertCondition): number {
  if (condition.type === 'percent_move') return condition.bars;
  if (condition.type === 'volume_spike') return condition.baselineBars;
  return 1;
}

/** The `indicator.output` keys a condition reads, from the current bar or the bars before it. */
export function indicatorKeysOf(condition: AlertCondition): string[] {
  if (condition.type === 'indicator_threshold') return [`${condition.series.indicator}.${condition.series.output}`];
  if (condition.type !== 'indicator_cross') return [];
  const keys = [`${condition.series.indicator}.${condition.series.output}`];
  if (condition.other !== undefined) keys.push(`${condition.other.indicator}.${condition.other.output}`);
  return keys;
}

/** Evaluates one condition on `current` given the closed bars before it (oldest first). */
export function evaluate(condition: AlertCondition, current: KeptBar, history: readonly KeptBar[]): Evaluation {
  const previous = history.at(-1);
  switch (condition.type) {
    case 'price_cross': {
      const description = `close ${crossWord[condition.direction]} ${condition.level}`;
      const met = previous !== undefined && crossed(condition.direction, previous.c, condition.level, current.c, condition.level);
      return { met, description, evidence: { previousClose: previous?.c ?? null, close: current.c, level: condition.level } };
    }
    case 'price_threshold': {
      const met = condition.op === 'above' ? current.c > condition.level : current.c < condition.level;
      return { met, description: `close ${condition.op} ${condition.level}`, evidence: { close: current.c, level: condition.level } };
    }
    case 'percent_move': {
      const reference = history.at(-condition.bars);
      const movePct = reference === undefined || history.length < condition.bars ? null : (current.c / reference.c - 1) * 100;
      const met =
        movePct !== null &&
        (condition.direction === 'up' ? movePct >= condition.percent : condition.direction === 'down' ? movePct <= -condition.percent : Math.abs(movePct) >= condition.percent);
      const word = condition.direction === 'any' ? 'moves' : `moves ${condition.direction}`;
      return { met, description: `close ${word} ${condition.percent}% over ${condition.bars} bars`, evidence: { referenceClose: reference?.c ?? null, close: current.c, movePct } };
    }
    case 'channel': {
      const inside = (x: number) => x >= condition.lower && x <= condition.upper;
      const wasInside = previous === undefined ? null : inside(previous.c);
      const isInside = inside(current.c);
      const met =
        condition.action === 'inside' ? isInside
        : condition.action === 'outside' ? !isInside
        : condition.action === 'entering' ? wasInside === false && isInside
        : wasInside === true && !isInside;
      return { met, description: `close ${condition.action} channel [${condition.lower}, ${condition.upper}]`, evidence: { previousClose: previous?.c ?? null, close: current.c, lower: condition.lower, upper: condition.upper } };
    }
    case 'volume_spike': {
      const base = history.slice(-condition.baselineBars);
      const mean = base.length < condition.baselineBars ? null : base.reduce((s, b) => s + b.v, 0) / base.length;
      const met = mean !== null && mean > 0 && current.v > condition.multiplier * mean;
      return { met, description: `volume above ${condition.multiplier}x the ${condition.baselineBars}-bar average`, evidence: { volume: current.v, baseline: mean, ratio: mean ? current.v / mean : null } };
    }
    case 'indicator_cross': {
      const key = `${condition.series.indicator}.${condition.series.output}`;
      const otherKey = condition.other === undefined ? undefined : `${condition.other.indicator}.${condition.other.output}`;
      const a = current.ind[key] ?? null;
      const pa = previous?.ind[key] ?? null;
      const b = otherKey === undefined ? (condition.value as number) : (current.ind[otherKey] ?? null);
      const pb = otherKey === undefined ? (condition.value as number) : (previous?.ind[otherKey] ?? null);
      const met = a !== null && pa !== null && b !== null && pb !== null && crossed(condition.direction, pa, pb, a, b);
      return { met, description: `${key} ${crossWord[condition.direction]} ${otherKey ?? condition.value}`, evidence: { [key]: a, [`previous ${key}`]: pa, target: b, previousTarget: pb } };
    }
    case 'indicator_threshold': {
      const key = `${condition.series.indicator}.${condition.series.output}`;
      const value = current.ind[key] ?? null;
      const met = value !== null && (condition.op === 'above' ? value > condition.value : value < condition.value);
      return { met, description: `${key} ${condition.op} ${condition.value}`, evidence: { [key]: value, threshold: condition.value } };
    }
    case 'pattern': {
      const value = patternAt(condition.pattern, history, current);
      const met = value !== null && value !== 0 && (condition.direction === 'any' || (condition.direction === 'bullish' ? value > 0 : value < 0));
      const suffix = condition.direction === 'any' ? '' : ` (${condition.direction})`;
      return { met, description: `${condition.pattern}${suffix}`, evidence: { pattern: condition.pattern, value } };
    }
  }
}
