/** The dedicated batch loops (functions/lib/indicators/batch-kernels.ts) equal update() bar by bar in edge cases too. */
import { describe, expect, it } from 'vitest';
import { INDICATORS, computeBatch, computeBatchColumns, createIndicator } from '../../functions/lib/indicators/index.ts';
import type { Bar, IndicatorSpec } from '../../functions/lib/indicators/types.ts';
import { syntheticBars } from './fixtures.ts';

const specs: IndicatorSpec[] = [
  { name: 'SMA', params: { period: 2 } }, { name: 'EMA', params: { period: 2 } }, { name: 'DEMA', params: { period: 3 } },
  { name: 'TEMA', params: { period: 2 } }, { name: 'RSI', params: { period: 2 } }, { name: 'MACD', params: { fast: 30, slow: 4, signal: 1 } },
  { name: 'MACD', params: { fast: 7, slow: 7, signal: 2 } }, { name: 'BBANDS', params: { period: 2, nbDevUp: 1.5, nbDevDn: 0.5 } },
  { name: 'ATR', params: { period: 1 } }, { name: 'ATR', params: { period: 3 } }, { name: 'CCI', params: { period: 2 } },
  { name: 'ROC', params: { period: 1 } }, { name: 'OBV' }, { name: 'STOCH', params: { fastK: 1, slowK: 1, slowD: 1 } },
  { name: 'STOCH', params: { fastK: 5, slowK: 2, slowD: 4 } }, { name: 'STOCHRSI', params: { period: 2, fastK: 1, fastD: 1 } },
  { name: 'STOCHRSI', params: { period: 5, fastK: 3, fastD: 2 } }, { name: 'WILLR', params: { period: 2 } }, { name: 'MFI', params: { period: 2 } },
  { name: 'ADX', params: { period: 2 } }, { name: 'ADX', params: { period: 5 } }, { name: 'VWAP', params: { window: 0 } }, { name: 'VWAP', params: { window: 1 } },
  { name: 'VWAP', params: { window: 7 } }, { name: 'WMA', params: { period: 2 } }, { name: 'WMA', params: { period: 9 } },
  { name: 'DONCHIAN', params: { period: 1 } }, { name: 'DONCHIAN', params: { period: 6 } }, { name: 'SAR' },
  { name: 'SAR', params: { acceleration: 0.3, maximum: 0.2 } }, { name: 'WILLR', params: { period: 14 } }, { name: 'STOCH' }, { name: 'STOCHRSI' },
  { name: 'SUPERTREND' }, { name: 'SUPERTREND', params: { period: 1, mult: 2 } },
];

/** What update() returns for every bar, one NaN-for-null column per output. */
function streamed(spec: IndicatorSpec, bars: readonly Bar[]): Record<string, Float64Array> {
  const ind = createIndicator(spec);
  const outputs = INDICATORS.find((info) => info.name === spec.name)?.outputs ?? [];
  const cols = Object.fromEntries(outputs.map((o) => [o, new Float64Array(bars.length)]));
  bars.forEach((b, i) => {
    for (const [k, v] of Object.entries(ind.update(b).values)) (cols[k] as Float64Array)[i] = v ?? NaN;
  });
  return cols;
}

const label = (s: IndicatorSpec) => `${s.name} ${JSON.stringify(s.params ?? {})}`;

describe('dedicated batch kernels', () => {
  const clean = syntheticBars(300, 5);
  // A NaN close mid-stream and a flat stretch (zero ranges, zero price changes).
  const dirty = clean.map((b, i): Bar => (i === 150 ? { ...b, close: NaN } : i >= 60 && i < 90 ? { ...b, open: 100, high: 100, low: 100, close: 100 } : b));
  // A NaN high and a NaN low (the batch rolling-extreme loops hand such columns to the streaming deque).
  const holes = clean.map((b, i): Bar => (i === 200 ? { ...b, high: NaN } : i === 230 ? { ...b, low: NaN } : b));

  for (const spec of specs) {
    it(`${label(spec)}: equals update() on clean, flat and NaN-bearing bars and on short inputs`, () => {
      for (const bars of [clean, dirty, holes, clean.slice(0, 3), clean.slice(0, 1), []]) {
        expect(computeBatch(spec, bars), label(spec)).toEqual(streamed(spec, bars));
      }
    });
  }

  // SMA, WMA and ROC do one to four bars one at a time, then four per pass: every split of the input is covered here.
  it('the four-bar loops (SMA, WMA, ROC) equal update() at every input length around the period', () => {
    for (const name of ['SMA', 'WMA', 'ROC'] as const) {
      for (const period of name === 'ROC' ? [1, 2, 3, 4, 5] : [2, 3, 4, 5]) {
        const spec: IndicatorSpec = { name, params: { period } };
        for (let n = 0; n <= period + 9; n++) {
          const bars = dirty.slice(140, 140 + n);
          expect(computeBatch(spec, bars), `${label(spec)} n=${n}`).toEqual(streamed(spec, bars));
        }
      }
    }
  });

  // STOCH, STOCHRSI, WILLR and DONCHIAN scan block by block (van Herk/Gil-Werman): every input length over several
  // blocks, so the last block is cut at each of its positions, and NaN high/low/close in each position of a block.
  it('the block loops (STOCH, STOCHRSI, WILLR, DONCHIAN) equal update() at every input length and NaN position', () => {
    const blockSpecs: IndicatorSpec[] = [
      { name: 'WILLR', params: { period: 3 } }, { name: 'DONCHIAN', params: { period: 4 } },
      { name: 'STOCH', params: { fastK: 3, slowK: 2, slowD: 2 } }, { name: 'STOCHRSI', params: { period: 2, fastK: 3, fastD: 2 } },
    ];
    for (const spec of blockSpecs) {
      for (let n = 0; n <= 16; n++) {
        const bars = clean.slice(100, 100 + n);
        expect(computeBatch(spec, bars), `${label(spec)} n=${n}`).toEqual(streamed(spec, bars));
      }
      for (let at = 0; at < 8; at++) {
        for (const field of ['high', 'low', 'close'] as const) {
          const bars = clean.slice(100, 120).map((b, i): Bar => (i === 6 + at ? { ...b, [field]: NaN } : b));
          expect(computeBatch(spec, bars), `${label(spec)} NaN ${field} at ${6 + at}`).toEqual(streamed(spec, bars));
        }
      }
    }
  });

  it('computeBatchColumns reads missing columns as NaN and accepts plain number arrays', () => {
    const close = clean.map((b) => b.close);
    const nanHighLow = clean.map((b) => ({ ...b, high: NaN, low: NaN, volume: NaN }));
    for (const spec of specs) expect(computeBatchColumns(spec, { close }), label(spec)).toEqual(streamed(spec, nanHighLow));
  });
});
