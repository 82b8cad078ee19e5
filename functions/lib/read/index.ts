import { AppError } from '../errors.ts';
import { TIMEFRAME_MS, type Timeframe } from '../../../schemas/common.ts';
import { clickHouseCoverage } from './coverage-clickhouse.ts';
import { clickHouseCandles, timescaleCandles, type SeriesRange } from './fetch.ts';
import { mergeCandles } from './merge.ts';
import { flagsOfMask } from './quality.ts';
import { RAW, rollupOf, ROLLUPS, type Relation } from './relations.ts';
import {
  CandlesQuery, CoverageQuery, GapsQuery, LatestQuery, ParityQuery,
  type CandlesResult, type Coverage, type Gap, type LatestCandle, type ParityReport, type StoredCandle, type Stores,
} from './types.ts';
import type * as z from 'zod';

export * from './types.ts';
export { createOhlcvWriter, type OhlcvWriter, type WriteResult } from './writer.ts';
export { refreshRollups } from './refresh.ts';
export { mergeCandles } from './merge.ts';

export interface ReadLayer {
  /** Candles of one series; from a rollup when one exists, downsampled (OHLC-correct) to at most `maxPoints`. */
  candles(query: CandlesQuery): Promise<CandlesResult>;
  /** Newest 1m candle per symbol (any exchange unless given). */
  latest(query: LatestQuery): Promise<LatestCandle[]>;
  /** First/last stored bucket and completeness per series of a timeframe. */
  coverage(query: CoverageQuery): Promise<Coverage[]>;
  /** The same coverage, from ClickHouse. */
  clickHouseCoverage(query: CoverageQuery): Promise<Coverage[]>;
  /** Missing bucket spans of one series in [from, to]. */
  gaps(query: GapsQuery): Promise<Gap[]>;
  /** TimescaleDB vs ClickHouse, bucket by bucket. */
  parity(query: ParityQuery): Promise<ParityReport>;
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AppError('INVALID_QUERY', `invalid query: ${issues.join('; ')}`, { status: 400, details: { issues } });
  }
  return parsed.data;
}

/**
 * Plan for a series read: which relation to read and how wide the returned buckets are.
 * Downsampling picks the coarsest rollup no wider than the target width, so a year of 1m candles to 500 points reads
 * ~2,000 4h rows instead of 525,600 minutes.
 */
export function planRead(timeframe: Timeframe, from: number, to: number, maxPoints?: number): { relation: Relation; baseTimeframe: Timeframe; bucketMs: number } {
  const step = TIMEFRAME_MS[timeframe];
  const count = Math.floor(to / step) - Math.floor(from / step) + 1;
  if (maxPoints === undefined || count <= maxPoints) {
    if (timeframe === '1m') return { relation: RAW, baseTimeframe: '1m', bucketMs: step };
    const exact = rollupOf(timeframe);
    if (exact !== undefined) return { relation: exact, baseTimeframe: timeframe, bucketMs: step };
    // 30m has no rollup: merge 15m buckets.
    return { relation: rollupOf('15m')!, baseTimeframe: '15m', bucketMs: step };
  }
  const target = Math.ceil((to - from + step) / maxPoints);
  const candidates: Array<{ timeframe: Timeframe; relation: Relation }> = [{ timeframe: '1m', relation: RAW }, ...ROLLUPS];
  const base = candidates.filter((c) => TIMEFRAME_MS[c.timeframe] <= Math.max(target, step)).at(-1) ?? candidates[0]!;
  // Our timeframes divide one another, so the coarser of base and requested width is a common multiple.
  const unit = Math.max(TIMEFRAME_MS[base.timeframe], step);
  let bucketMs = Math.ceil(target / unit) * unit;
  // Epoch-aligned buckets can straddle both ends: widen until the count fits.
  while (Math.floor(to / bucketMs) - Math.floor(from / bucketMs) + 1 > maxPoints) bucketMs += unit;
  return { relation: base.relation, baseTimeframe: base.timeframe, bucketMs };
}

export function createReadLayer(stores: Stores): ReadLayer {
  const { timescale: sql, clickhouse: ch } = stores;

  async function readSeries(range: SeriesRange & { timeframe: Timeframe }, relation: Relation, fetch: typeof timescaleCandles | typeof clickHouseCandles, port: unknown): Promise<{ candles: StoredCandle[]; relation: Relation }> {
    const run = fetch as (p: unknown, r: Relation, s: SeriesRange) => Promise<StoredCandle[]>;
    const candles = await run(port, relation, range);
    // Candles stored directly at this timeframe (not derived from 1m) are served when the rollup has none.
    if (candles.length === 0 && relation.rollup && rollupOf(range.timeframe) === relation) {
      return { candles: await run(port, RAW, range), relation: RAW };
    }
    return { candles, relation };
  }

  return {
    async candles(input) {
      const q = parse(CandlesQuery, input);
      const plan = planRead(q.timeframe, q.from, q.to, q.maxPoints);
      const from = Math.floor(q.from / plan.bucketMs) * plan.bucketMs;
      const { candles, relation } = await readSeries({ ...q, timeframe: plan.baseTimeframe, from }, plan.relation, timescaleCandles, sql);
      const merged = plan.bucketMs === TIMEFRAME_MS[plan.baseTimeframe] ? candles : mergeCandles(candles, plan.bucketMs);
      return {
        exchange: q.exchange, symbol: q.symbol, timeframe: q.timeframe, bucketMs: plan.bucketMs, servedFrom: relation.name,
        downsampled: plan.bucketMs > TIMEFRAME_MS[q.timeframe], candles: merged,
      };
    },

    async latest(input) {
      const q = parse(LatestQuery, input);
      const { rows } = await sql.query<{
        exchange: string; symbol: string; source: LatestCandle['source']; t: number; open: number; high: number; low: number; close: number;
        volume: number; quote_volume: number; trades: number | null; state: LatestCandle['state']; revision: number; quality_mask: number; received: number;
      }>(
        `SELECT l.* FROM unnest($1::text[]) AS s(symbol)
           CROSS JOIN LATERAL (
             SELECT exchange, symbol, source, extract(epoch FROM ts) * 1000 AS t, open, high, low, close, volume, quote_volume,
                    trades::float8 AS trades, state, revision, quality_mask, extract(epoch FROM received_at) * 1000 AS received
               FROM ohlcv o
              WHERE o.symbol = s.symbol AND o.timeframe = '1m' AND ($2::text IS NULL OR o.exchange = $2)
              ORDER BY o.ts DESC, o.source LIMIT 1) l`,
        [q.symbols, q.exchange ?? null],
      );
      return rows.map((r) => ({
        exchange: r.exchange, symbol: r.symbol, source: r.source, timestamp: Number(r.t), open: r.open, high: r.high, low: r.low,
        close: r.close, volume: r.volume, quoteVolume: r.quote_volume, trades: r.trades, state: r.state, revision: r.revision,
        flags: flagsOfMask(r.quality_mask), candles: 1, receivedAt: Math.round(Number(r.received)),
      }));
    },

    async coverage(input) {
      const q = parse(CoverageQuery, input);
      const step = TIMEFRAME_MS[q.timeframe];
      const relation = q.timeframe === '1m' ? RAW : rollupOf(q.timeframe) ?? RAW;
      const time = relation.rollup ? 'bucket' : 'ts';
      const tfFilter = relation.rollup ? '$3::text IS NOT NULL' : 'timeframe = $3';
      const { rows } = await sql.query<{ exchange: string; symbol: string; first: number; last: number; n: number }>(
        `SELECT exchange, symbol, extract(epoch FROM min(${time})) * 1000 AS first, extract(epoch FROM max(${time})) * 1000 AS last,
                count(DISTINCT ${time})::int AS n
           FROM ${relation.name}
          WHERE ($1::text IS NULL OR exchange = $1) AND ($2::text IS NULL OR symbol = $2) AND ${tfFilter}
          GROUP BY exchange, symbol ORDER BY exchange, symbol`,
        [q.exchange ?? null, q.symbol ?? null, q.timeframe],
      );
      return rows.map((r) => {
        const expected = Math.round((Number(r.last) - Number(r.first)) / step) + 1;
        return { exchange: r.exchange, symbol: r.symbol, timeframe: q.timeframe, first: Number(r.first), last: Number(r.last), candles: r.n, expected, completeness: r.n / expected };
      });
    },

    async clickHouseCoverage(input) {
      return clickHouseCoverage(ch, parse(CoverageQuery, input));
    },

    async gaps(input) {
      const q = parse(GapsQuery, input);
      const step = TIMEFRAME_MS[q.timeframe];
      const from = Math.ceil(q.from / step) * step;
      const to = Math.floor(q.to / step) * step;
      const { candles } = await readSeries({ ...q, from, to }, q.timeframe === '1m' ? RAW : rollupOf(q.timeframe) ?? RAW, timescaleCandles, sql);
      const out: Gap[] = [];
      let expected = from;
      for (const c of candles) {
        if (c.timestamp > expected) out.push({ from: expected, to: c.timestamp - step, buckets: (c.timestamp - expected) / step });
        expected = c.timestamp + step;
      }
      if (expected <= to) out.push({ from: expected, to, buckets: (to - expected) / step + 1 });
      return out;
    },

    async parity(input) {
      const q = parse(ParityQuery, input);
      const relation = q.timeframe === '1m' ? RAW : rollupOf(q.timeframe) ?? RAW;
      const [a, b] = await Promise.all([
        readSeries(q, relation, timescaleCandles, sql),
        readSeries(q, relation, clickHouseCandles, ch),
      ]);
      return compareSeries(a.candles, b.candles);
    },
  };
}

const FIELDS = ['open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'trades', 'state', 'revision', 'candles'] as const;

function same(x: unknown, y: unknown): boolean {
  if (typeof x === 'number' && typeof y === 'number') return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  return x === y;
}

/** Bucket-by-bucket comparison; float sums may differ in the last bits (summation order), hence a relative tolerance. */
export function compareSeries(timescale: readonly StoredCandle[], clickhouse: readonly StoredCandle[]): ParityReport {
  const other = new Map(clickhouse.map((c) => [c.timestamp, c]));
  const report: ParityReport = { buckets: 0, matched: 0, onlyTimescale: [], onlyClickHouse: [], mismatched: [] };
  for (const c of timescale) {
    report.buckets += 1;
    const d = other.get(c.timestamp);
    if (d === undefined) {
      report.onlyTimescale.push(c.timestamp);
      continue;
    }
    other.delete(c.timestamp);
    const fields = FIELDS.filter((f) => !same(c[f], d[f]));
    if ([...c.flags].sort().join() !== [...d.flags].sort().join()) fields.push('flags' as never);
    if (fields.length === 0) report.matched += 1;
    else report.mismatched.push({ timestamp: c.timestamp, fields });
  }
  for (const t of other.keys()) {
    report.buckets += 1;
    report.onlyClickHouse.push(t);
  }
  return report;
}
