/** Streaming API contract for every indicator: update == batch, peek is side-effect free, snapshots and replay. */
import { describe, expect, it } from 'vitest';
import { INDICATORS, computeBatch, computeBatchColumns, createIndicator, replay } from '../../functions/lib/indicators/index.ts';
import type { Bar, IndicatorResult, IndicatorSpec } from '../../functions/lib/indicators/types.ts';
import { syntheticBars } from './fixtures.ts';

const bars = syntheticBars(10_000, 99);
const specs: IndicatorSpec[] = [
  ...INDICATORS.map((i) => ({ name: i.name })),
  { name: 'VWAP', params: { window: 20 } },
  { name: 'MACD', params: { fast: 5, slow: 35, signal: 5 } },
  { name: 'ICHIMOKU', params: { conversion: 7, base: 22, spanB: 44, displacement: 22 } },
];

const label = (s: IndicatorSpec) => `${s.name} ${JSON.stringify(s.params ?? {})}`;
const asNumber = (v: number | null | undefined) => (v === null || v === undefined ? NaN : v);
const roundTrip = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

/** A bar still forming: same open, a close part-way, extremes widened on some bars. */
function forming(b: Bar, i: number): Bar {
  const close = (b.open + b.close) / 2 + (i % 3 === 0 ? (b.high - b.low) : 0);
  return { ...b, close, high: Math.max(b.high, close), low: Math.min(b.low, close), volume: b.volume / 2 };
}

function expectSameValues(a: IndicatorResult, b: IndicatorResult, where: string): void {
  expect(a.values, where).toEqual(b.values);
}

describe('streaming indicators', () => {
  it('catalogue lists at least the 23 required indicators with defaults inside their bounds', () => {
    expect(INDICATORS.length).toBeGreaterThanOrEqual(23);
    for (const info of INDICATORS) {
      expect(info.outputs.length).toBeGreaterThan(0);
      for (const p of info.params) {
        expect(p.default).toBeGreaterThanOrEqual(p.min);
        expect(p.default).toBeLessThanOrEqual(p.max);
      }
    }
  });

  it('rejects unknown names, unknown params and out-of-range params with a 400 AppError', () => {
    expect(() => createIndicator({ name: 'NOPE' as 'RSI' })).toThrow(/Unknown indicator/);
    expect(() => createIndicator({ name: 'RSI', params: { length: 3 } })).toThrow(/has no parameter "length"/);
    expect(() => createIndicator({ name: 'RSI', params: { period: 1.5 } })).toThrow(/must be an integer/);
  });

  it('computeBatchColumns equals computeBatch for every indicator', () => {
    const cols = {
      open: Float64Array.from(bars, (b) => b.open), high: Float64Array.from(bars, (b) => b.high), low: Float64Array.from(bars, (b) => b.low),
      close: Float64Array.from(bars, (b) => b.close), volume: Float64Array.from(bars, (b) => b.volume),
    };
    for (const spec of specs) expect(computeBatchColumns(spec, cols), label(spec)).toEqual(computeBatch(spec, bars));
  });

  for (const spec of specs) {
    it(`${label(spec)}: update() equals computeBatch on every bar, with provenance`, () => {
      const batch = computeBatch(spec, bars);
      const ind = createIndicator(spec);
      const outputs = Object.keys(batch);
      let firstAll = -1;
      bars.forEach((bar, i) => {
        const r = ind.update(bar);
        expect(r.provisional).toBe(false);
        expect(r.provenance.consumed).toBe(i + 1);
        for (const o of outputs) {
          const want = (batch[o] as Float64Array)[i] as number;
          const got = asNumber(r.values[o]);
          if (!Object.is(got, want) && !(got !== got && want !== want)) expect(got, `${o} at bar ${i}`).toBe(want);
        }
        if (firstAll < 0 && outputs.every((o) => r.values[o] !== null)) firstAll = i;
        if (i === bars.length - 1) expect(r.provenance.stable).toBe(true);
      });
      // provenance.lookback is the number of bars consumed before every output has a value.
      expect(firstAll).toBe(ind.update(bars[0] as Bar).provenance.lookback);
    });

    it(`${label(spec)}: peek() equals update() on a copy and leaves state unchanged`, () => {
      const ind = createIndicator(spec);
      bars.slice(0, 3000).forEach((bar, i) => {
        if (i < 120 || i % 37 === 0) {
          const before = JSON.stringify(ind.snapshot());
          const f = forming(bar, i);
          const peeked = ind.peek(f);
          expect(peeked.provisional).toBe(true);
          expect(JSON.stringify(ind.snapshot()), `state changed by peek at bar ${i}`).toBe(before);
          const copy = createIndicator(spec, roundTrip(ind.snapshot()));
          expectSameValues(peeked, copy.update(f), `peek at bar ${i}`);
        }
        ind.update(bar);
      });
    });

    it(`${label(spec)}: snapshot/restore through JSON mid-stream continues identically`, () => {
      for (const cut of [3, 40, 5000]) {
        const a = createIndicator(spec);
        bars.slice(0, cut).forEach((b) => a.update(b));
        const b = createIndicator(spec, roundTrip(a.snapshot()));
        for (let i = cut; i < Math.min(bars.length, cut + 1500); i++) {
          expectSameValues(b.update(bars[i] as Bar), a.update(bars[i] as Bar), `bar ${i} after restore at ${cut}`);
        }
      }
    });

    it(`${label(spec)}: replay after a revised bar equals recomputation from scratch`, () => {
      const k = 4321;
      const ind = createIndicator(spec);
      bars.slice(0, k).forEach((b) => ind.update(b));
      const before = roundTrip(ind.snapshot());
      const old = bars[k] as Bar;
      const revised: Bar = { ...old, close: old.close * 1.003, high: Math.max(old.high, old.close * 1.003), volume: old.volume * 3 };
      const corrected = [...bars.slice(0, k), revised, ...bars.slice(k + 1, k + 800)];
      const { results } = replay(spec, before, corrected.slice(k));
      const fresh = computeBatch(spec, corrected);
      results.forEach((r, j) => {
        for (const [o, col] of Object.entries(fresh)) expect(asNumber(r.values[o]), `${o} at bar ${k + j}`).toBe(col[k + j]);
      });
    });
  }

  it('rejects a snapshot from another indicator or with other params', () => {
    const rsi = createIndicator({ name: 'RSI' });
    expect(() => createIndicator({ name: 'EMA' }, rsi.snapshot())).toThrow(/snapshot/);
    expect(() => createIndicator({ name: 'RSI', params: { period: 9 } }, rsi.snapshot())).toThrow(/period=14/);
  });
});
