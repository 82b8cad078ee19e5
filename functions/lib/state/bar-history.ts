import type { OhlcvMessage } from '../../../schemas/ohlcv.ts';

/** A closed candle as alerts and signals remember it: prices, volume and the flat indicator outputs (`id.output`). */
export interface KeptBar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  ind: Record<string, number | null>;
}

/** Flattens a candle's `indicators` map to `id.output` keys: all of them, or only those in `only`. */
export function flatIndicators(c: OhlcvMessage, only?: ReadonlySet<string>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  if (only?.size === 0) return out;
  for (const [id, value] of Object.entries(c.indicators ?? {})) {
    for (const [output, v] of Object.entries(value.values)) {
      const key = `${id}.${output}`;
      if (only === undefined || only.has(key)) out[key] = v;
    }
  }
  return out;
}

/** The bar kept for `c`; `only` keeps just the indicator outputs its readers use, since the bar is stored per series. */
export function keptBarOf(c: OhlcvMessage, only?: ReadonlySet<string>): KeptBar {
  return { t: c.timestamp, o: c.open, h: c.high, l: c.low, c: c.close, v: c.volume, ind: flatIndicators(c, only) };
}

/** The kept bars strictly before `t`, oldest first (a revision or a late candle sees only its own past). */
export function barsBefore(bars: readonly KeptBar[], t: number): KeptBar[] {
  let end = bars.length;
  while (end > 0 && (bars[end - 1] as KeptBar).t >= t) end--;
  return bars.slice(0, end);
}

/** Inserts or replaces `bar` by time, keeping order and at most `max` newest bars. */
export function upsertBar(bars: readonly KeptBar[], bar: KeptBar, max: number): KeptBar[] {
  const next = bars.filter((b) => b.t !== bar.t);
  const at = next.findIndex((b) => b.t > bar.t);
  if (at < 0) next.push(bar);
  else next.splice(at, 0, bar);
  return next.length > max ? next.slice(next.length - max) : next;
}
