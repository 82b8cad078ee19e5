/** Packed numbers in stored state: bit-exact round trips, clear errors on damage, and state written before packing still read. */
import { describe, expect, it } from 'vitest';
import { packBars, SeriesRunner, unpackBars } from '../../functions/indicators/series-runner.ts';
import { configKey, DEFAULT_INDICATORS } from '../../functions/indicators/config.ts';
import { createIndicator } from '../../functions/lib/indicators/index.ts';
import type { Bar } from '../../functions/lib/indicators/index.ts';
import { packFloats, unpackFloats } from '../../functions/lib/state/packed-floats.ts';

const bars: Bar[] = Array.from({ length: 80 }, (_, i) => {
  const p = 100 + Math.sin(i / 3) * 7.123456789;
  return { time: Date.UTC(2026, 0, 1) + i * 60_000, open: p, high: p + 0.5, low: p - 0.5, close: p + 0.1, volume: 10 + i / 3, ...(i % 2 === 0 ? { quoteVolume: (10 + i / 3) * p } : {}) };
});

describe('packFloats / unpackFloats', () => {
  it('round-trips every double bit for bit, NaN, ±Infinity, -0 and subnormals included', () => {
    const values = [0, -0, 1, -1.5, Math.PI, Number.MAX_VALUE, Number.MIN_VALUE, Number.NaN, Infinity, -Infinity, 1e-310, 65_008.123456789];
    const back = unpackFloats(packFloats(values));
    expect(back).toHaveLength(values.length);
    values.forEach((v, i) => expect(Object.is(back[i], v), String(v)).toBe(true));
    expect(unpackFloats(packFloats([]))).toHaveLength(0);
  });

  it('packs more numbers than one chunk of the binary string', () => {
    const many = Float64Array.from({ length: 5000 }, (_, i) => i * 1.1);
    expect(unpackFloats(packFloats(many))).toEqual(many);
  });

  it('refuses text that is not base64, or not whole float64s, with bad_state', () => {
    expect(() => unpackFloats('not base64!')).toThrow(expect.objectContaining({ code: 'bad_state' }));
    expect(() => unpackFloats(btoa('abc'))).toThrow(expect.objectContaining({ code: 'bad_state', message: expect.stringMatching(/3 packed bytes/) }));
  });
});

describe('indicator series state', () => {
  it('packs the kept bars and unpacks them unchanged (quote volume kept only where present)', () => {
    expect(unpackBars(packBars(bars))).toEqual(bars);
  });

  it('packs Float64Array windows in snapshots and restores them to the same values', () => {
    const sma = createIndicator({ name: 'SMA', params: { period: 20 } });
    for (const b of bars.slice(0, 30)) sma.update(b);
    const snapshot = sma.snapshot();
    expect(JSON.stringify(snapshot)).toContain('"$p"');
    const restored = createIndicator({ name: 'SMA', params: { period: 20 } }, JSON.parse(JSON.stringify(snapshot)));
    for (const b of bars.slice(30)) expect(restored.update(b)).toEqual(sma.update(b));
  });

  it('reads state written before packing (bars as objects, windows as decimal arrays) and continues exactly', () => {
    const configId = configKey(DEFAULT_INDICATORS);
    const reference = new SeriesRunner(DEFAULT_INDICATORS, configId, 64, undefined);
    for (const b of bars.slice(0, 70)) reference.closed(b);
    const packed = reference.toState();
    // The same state as the earlier format wrote it: bars unpacked, every packed window as a decimal $f array.
    const unpackWindows = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(unpackWindows);
      if (v !== null && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.$p === 'string') return { $f: Array.from(unpackFloats(o.$p), (x) => (Number.isFinite(x) ? x : { $n: String(x) })) };
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unpackWindows(x)]));
      }
      return v;
    };
    const legacy = { ...packed, bars: unpackBars(packed.bars), head: unpackWindows(packed.head) as Record<string, unknown>, checkpoint: unpackWindows(packed.checkpoint) as Record<string, unknown> };
    const fromPacked = new SeriesRunner(DEFAULT_INDICATORS, configId, 64, JSON.parse(JSON.stringify(packed)));
    const fromLegacy = new SeriesRunner(DEFAULT_INDICATORS, configId, 64, JSON.parse(JSON.stringify(legacy)));
    for (const b of bars.slice(70)) expect(fromLegacy.closed(b)).toEqual(fromPacked.closed(b));
    // A revision inside the kept history replays from the checkpoint the same way in both.
    const revised = { ...(bars[40] as Bar), close: 1 };
    expect(fromLegacy.closed(revised)).toEqual(fromPacked.closed(revised));
  });
});
