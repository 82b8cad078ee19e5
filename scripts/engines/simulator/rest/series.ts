import type { Timeframe } from '../../../../schemas/common.ts';
import type { Faults, Market, SimCandle } from '../context.ts';
import { aggregateCandles, roundPrice, roundVolume } from '../market.ts';

/** Builds the candle pages both REST APIs serve, including the REST faults (gaps, duplicates, revisions). */

export const STEP_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
export type Unit = keyof typeof STEP_MS;
const UNIT_TIMEFRAME: Readonly<Record<Unit, Timeframe>> = { minute: '1m', hour: '1h', day: '1d' };

function hashUnit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

export interface PageRequest {
  exchange: string;
  symbol: string;
  unit: Unit;
  aggregate: number;
  /** Number of buckets, the one containing `toMs` included. */
  count: number;
  toMs: number;
  now: number;
}

/** `count` buckets ending with the one that contains `toMs`, oldest first, as the market knows them at `now`. */
export function candlePage(market: Market, req: PageRequest): SimCandle[] {
  const step = STEP_MS[req.unit];
  const bucket = step * req.aggregate;
  const to = Math.min(req.toMs, req.now);
  const last = Math.floor(to / bucket) * bucket;
  const out: SimCandle[] = [];
  for (let i = req.count - 1; i >= 0; i--) {
    const start = last - i * bucket;
    if (req.aggregate === 1) {
      out.push(market.candle(req.exchange, req.symbol, UNIT_TIMEFRAME[req.unit], start, req.now));
      continue;
    }
    const parts: SimCandle[] = [];
    for (let t = start; t < start + bucket && t <= req.now; t += step) parts.push(market.candle(req.exchange, req.symbol, UNIT_TIMEFRAME[req.unit], t, req.now));
    const agg = aggregateCandles(start, parts);
    agg.forming = start + bucket > req.now;
    out.push(agg);
  }
  return out;
}

/**
 * Applies the REST faults deterministically per (seed, series, bucket), so re-asking the same page gives the same answer:
 * gaps drop closed buckets, revisions change closed buckets once their (hash-chosen) revision time has passed,
 * duplicates repeat a candle right after itself.
 */
export function applyRestFaults(page: SimCandle[], faults: Faults, seed: number, seriesId: string, now: number, bucketMs: number): SimCandle[] {
  if (faults.gaps <= 0 && faults.duplicates <= 0 && faults.revisions <= 0) return page;
  const out: SimCandle[] = [];
  for (const c of page) {
    const id = `${seed}|${seriesId}|${bucketMs}|${c.time}`;
    const closed = !c.forming;
    if (closed && faults.gaps > 0 && hashUnit(`${id}|gap`) < faults.gaps) continue;
    let candle = c;
    if (closed && faults.revisions > 0 && hashUnit(`${id}|rev`) < faults.revisions && c.volumefrom > 0) {
      const revisedAt = c.time + bucketMs + 60_000 * (1 + Math.floor(hashUnit(`${id}|revat`) * 10));
      if (now >= revisedAt) {
        const volumefrom = roundVolume(c.volumefrom * 1.1);
        candle = { ...c, high: roundPrice(c.high * 1.0002), volumefrom, volumeto: roundVolume(c.volumeto * 1.1), trades: c.trades + 1, revision: c.revision + 1 };
      }
    }
    out.push(candle);
    if (faults.duplicates > 0 && hashUnit(`${id}|dup`) < faults.duplicates) out.push({ ...candle });
  }
  return out;
}
