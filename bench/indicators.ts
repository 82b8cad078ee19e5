/**
 * `npm run bench -- indicators [candles=1000000] [reps=5]`
 *
 * ns per candle for every indicator and pattern: ours in batch (Bar[] and columns) and streaming (update(), and
 * updateValues(), the allocation-free path),
 * beside TA-Lib's own C loop (bench/talib-c/talib_bench.c, compiled here with gcc against node_modules/talib's
 * static libraries, same seeded candles), @ixjb94/indicators (fastest npm batch library in the research note) and
 * @debut/indicators (fastest npm streaming library). Every cell is the minimum over `reps` timed runs after one
 * warm-up run; the machine is shared, so compare minimums, not single runs.
 *
 * Fairness: the C column times TA-Lib's C function alone on C arrays (no JS-to-C marshalling, which the `talib`
 * npm binding would add), writing into buffers allocated once. "ours batch Bar[]" and "ours batch cols" return
 * freshly allocated Float64Array outputs on every call, so those cells include that allocation (page faults on
 * first touch, and now and then a major GC, which has to walk the 1M Bar objects the bench keeps alive). "ours cols
 * into" passes output columns allocated once (the `into` argument), as the C loop does, so "into/C" compares like
 * with like: column input, caller-owned outputs; "cols/C" adds our allocation to our side.
 *
 * Isolates: this thread loads the npm baselines and the talib binding, which detaches an ArrayBuffer (tsx's loader
 * does so for CommonJS packages), and V8 then checks every typed-array access here for detachment. "into, fresh"
 * and "updateValues, fresh" time the same calls in a worker thread that loads only our indicator code, as a
 * deployed function does (bench/lib/fresh-isolate.ts); a probe line prints a plain Float64Array sum in both.
 */
import * as debut from '@debut/indicators';
import { IndicatorsSync } from '@ixjb94/indicators';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INDICATORS, computeBatch, computeBatchColumns, createIndicator } from '../functions/lib/indicators/index.ts';
import type { Bar, IndicatorName } from '../functions/lib/indicators/types.ts';
import { PATTERNS, computePatternBatch, computePatternBatchColumns, createPatternDetector } from '../functions/lib/patterns/index.ts';
import { syntheticBars } from '../test/indicators/fixtures.ts';
import { timeInFreshIsolate } from './lib/fresh-isolate.ts';
import { minNsPerItem } from './lib/min-time.ts';
import { plainSumNsPerElement } from './lib/typed-array-probe.ts';

type Cell = number | undefined;

/** Compiles and runs the TA-Lib C timer; returns ns/candle by function name, or an error text. */
function talibC(n: number, reps: number): Map<string, number> | string {
  const talibDir = dirname(createRequire(import.meta.url).resolve('talib/package.json'));
  const lib = join(talibDir, 'src/lib');
  const src = join(dirname(fileURLToPath(import.meta.url)), 'talib-c/talib_bench.c');
  const exe = join(mkdtempSync(join(tmpdir(), 'talib-bench-')), 'talib_bench');
  try {
    execFileSync('gcc', ['-O2', '-o', exe, src, `-I${lib}/include`, `-L${lib}/lib`, '-lta_func_csr', '-lta_abstract_csr', '-lta_common_csr', '-lta_libc_csr', '-lm'], { stdio: 'pipe' });
    const out = execFileSync(exe, [String(n), String(reps), '42'], { encoding: 'utf8' });
    return new Map(out.trim().split('\n').map((line) => {
      const [name, ns] = line.split(' ');
      return [name as string, Number(ns)];
    }));
  } catch (err) {
    return `TA-Lib C build/run failed: ${(err as Error).message.split('\n')[0]}`;
  }
}

interface Baselines { ixjb?: () => unknown; debut?: () => unknown }

/** npm library equivalents (default periods as ours; conventions differ, see the research note). */
function npmBaselines(bars: Bar[], cols: { o: number[]; h: number[]; l: number[]; c: number[]; v: number[] }): Partial<Record<IndicatorName, Baselines>> {
  const ta = new IndicatorsSync();
  const { h, l, c, v } = cols;
  const stream = <T>(make: () => T, feed: (x: T, b: Bar) => unknown) => () => {
    const x = make();
    for (const b of bars) feed(x, b);
  };
  return {
    SMA: { ixjb: () => ta.sma(c, 20), debut: stream(() => new debut.SMA(20), (x, b) => x.nextValue(b.close)) },
    EMA: { ixjb: () => ta.ema(c, 20), debut: stream(() => new debut.EMA(20), (x, b) => x.nextValue(b.close)) },
    WMA: { ixjb: () => ta.wma(c, 20), debut: stream(() => new debut.WMA(20), (x, b) => x.nextValue(b.close)) },
    DEMA: { ixjb: () => ta.dema(c, 20) },
    TEMA: { ixjb: () => ta.tema(c, 20), debut: stream(() => new debut.TEMA(20), (x, b) => x.nextValue(b.close)) },
    RSI: { ixjb: () => ta.rsi(c, 14), debut: stream(() => new debut.RSI(14), (x, b) => x.nextValue(b.close)) },
    MACD: { ixjb: () => ta.macd(c, 12, 26, 9), debut: stream(() => new debut.MACD(12, 26, 9), (x, b) => x.nextValue(b.close)) },
    BBANDS: { ixjb: () => ta.bbands(c, 20, 2), debut: stream(() => new debut.BollingerBands(20, 2), (x, b) => x.nextValue(b.close)) },
    ATR: { ixjb: () => ta.atr(h, l, c, 14), debut: stream(() => new debut.ATR(14), (x, b) => x.nextValue(b.high, b.low, b.close)) },
    STOCH: { ixjb: () => ta.stoch(h, l, c, 14, 3, 3), debut: stream(() => new debut.Stochastic(14, 3), (x, b) => x.nextValue(b.high, b.low, b.close)) },
    STOCHRSI: { ixjb: () => ta.stochrsi(c, 14), debut: stream(() => new debut.StochasticRSI(14, 3, 3, 14), (x, b) => x.nextValue(b.close)) },
    ADX: { ixjb: () => [ta.adx(h, l, 14), ta.di(h, l, c, 14)], debut: stream(() => new debut.ADX(14), (x, b) => x.nextValue(b.high, b.low, b.close)) },
    CCI: { ixjb: () => ta.cci(h, l, c, 20), debut: stream(() => new debut.CCI(20), (x, b) => x.nextValue(b.high, b.low, b.close)) },
    MFI: { ixjb: () => ta.mfi(h, l, c, v, 14), debut: stream(() => new debut.MFI(14), (x, b) => x.nextValue(b.high, b.low, b.close, b.volume)) },
    OBV: { ixjb: () => ta.obv(c, v) },
    WILLR: { ixjb: () => ta.willr(h, l, c, 14) },
    ROC: { ixjb: () => ta.roc(c, 10), debut: stream(() => new debut.ROC(10), (x, b) => x.nextValue(b.close)) },
    KELTNER: { ixjb: () => ta.kc(h, l, c, 20, 2), debut: stream(() => new debut.KeltnerChannel(20, 2), (x, b) => x.nextValue(b.high, b.low, b.close)) },
    DONCHIAN: { ixjb: () => ta.dc(h, l, 20), debut: stream(() => new debut.DC(20), (x, b) => x.nextValue(b.high, b.low)) },
    SAR: { ixjb: () => ta.psar(h, l, 0.02, 0.2), debut: stream(() => new debut.PSAR(0.02, 0.02, 0.2), (x, b) => x.nextValue(b.high, b.low, b.close)) },
    ICHIMOKU: { debut: stream(() => new debut.Ichimoku(9, 26, 52, 26), (x, b) => x.nextValue(b.high, b.low, b.close)) },
    SUPERTREND: { debut: stream(() => new debut.SuperTrend(10, 3), (x, b) => x.nextValue(b.high, b.low, b.close)) },
    VWAP: { ixjb: () => ta.vwap(h, l, c, v, 20) },
  };
}

const fmt = (x: Cell) => (x === undefined ? '–' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const ratio = (a: Cell, b: Cell) => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(1)}x`);

function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] as string).length)));
  const line = (cells: string[]) => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j] as number) : c.padStart(widths[j] as number))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

export default async function bench(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 1_000_000);
  const reps = Number(args[1] ?? 5);
  console.log(`indicators bench: ${n.toLocaleString('en')} seeded candles, min of ${reps} runs after 1 warm-up; ns per candle`);
  const bars = syntheticBars(n, 42);
  const cols = { o: bars.map((b) => b.open), h: bars.map((b) => b.high), l: bars.map((b) => b.low), c: bars.map((b) => b.close), v: bars.map((b) => b.volume) };
  const f64 = { open: Float64Array.from(cols.o), high: Float64Array.from(cols.h), low: Float64Array.from(cols.l), close: Float64Array.from(cols.c), volume: Float64Array.from(cols.v) };

  const fresh = await timeInFreshIsolate({ cols: f64, reps });
  const c = talibC(n, reps);
  const cNote = typeof c === 'string' ? c : 'TA-Lib C: gcc -O2, static node_modules/talib libs, one call over all candles (ADX = ADX + PLUS_DI + MINUS_DI)';
  const cMap = typeof c === 'string' ? new Map<string, number>() : c;
  const npm = npmBaselines(bars, cols);

  const rows: string[][] = [];
  for (const info of INDICATORS) {
    const spec = { name: info.name };
    const batch = minNsPerItem(n, reps, () => computeBatch(spec, bars));
    const columns = minNsPerItem(n, reps, () => computeBatchColumns(spec, f64));
    const into = Object.fromEntries(info.outputs.map((o) => [o, new Float64Array(n)]));
    const intoCols = minNsPerItem(n, reps, () => computeBatchColumns(spec, f64, into));
    const streaming = minNsPerItem(n, reps, () => {
      const ind = createIndicator(spec);
      for (let i = 0; i < n; i++) ind.update(bars[i] as Bar);
    });
    const values = minNsPerItem(n, reps, () => {
      const ind = createIndicator(spec);
      const out = new Float64Array(info.outputs.length);
      for (let i = 0; i < n; i++) ind.updateValues(bars[i] as Bar, out);
    });
    const talib = cMap.get(info.name);
    const base = npm[info.name] ?? {};
    const ixjb = base.ixjb === undefined ? undefined : minNsPerItem(n, reps, base.ixjb);
    const deb = base.debut === undefined ? undefined : minNsPerItem(n, reps, base.debut);
    const intoFresh = fresh.into[info.name];
    rows.push([info.name, fmt(batch), fmt(columns), fmt(intoCols), fmt(intoFresh), fmt(streaming), fmt(values), fmt(fresh.updateValues[info.name]), fmt(talib), ratio(columns, talib), ratio(intoCols, talib), ratio(intoFresh, talib), fmt(ixjb), fmt(deb)]);
  }
  printTable('Indicators (default params)', ['indicator', 'ours batch Bar[]', 'ours batch cols', 'ours cols into', 'into, fresh', 'ours update()', 'ours updateValues()', 'updateValues, fresh', 'TA-Lib C', 'cols/C', 'into/C', 'fresh/C', '@ixjb94 batch', '@debut stream'], rows);

  const prow: string[][] = [];
  for (const def of PATTERNS) {
    const batch = minNsPerItem(n, reps, () => computePatternBatch(def.name, bars));
    const columns = minNsPerItem(n, reps, () => computePatternBatchColumns(def.name, f64));
    const into = new Float64Array(n);
    const intoCols = minNsPerItem(n, reps, () => computePatternBatchColumns(def.name, f64, undefined, into));
    const streaming = minNsPerItem(n, reps, () => {
      const d = createPatternDetector(def.name);
      for (let i = 0; i < n; i++) d.update(bars[i] as Bar);
    });
    const talib = cMap.get(def.name);
    const intoFresh = fresh.into[def.name];
    prow.push([def.name, fmt(batch), fmt(columns), fmt(intoCols), fmt(intoFresh), fmt(streaming), fmt(talib), ratio(columns, talib), ratio(intoCols, talib), ratio(intoFresh, talib)]);
  }
  printTable('Candlestick patterns', ['pattern', 'ours batch Bar[]', 'ours batch cols', 'ours cols into', 'into, fresh', 'ours update()', 'TA-Lib C', 'cols/C', 'into/C', 'fresh/C'], prow);
  console.log(`\n${cNote}; C arrays, no JS<->C marshalling (the talib npm binding adds that), outputs into buffers allocated once.`);
  console.log('Ours allocate fresh output columns on every call (included in every batch cell) except "ours cols into", which writes into columns allocated once, like C.');
  console.log(`"into, fresh" and "updateValues, fresh": the same calls as "ours cols into" and "ours updateValues()" in a worker thread that loads only our indicator code (no ArrayBuffer ever detached there).`);
  console.log(`Typed-array probe (plain Float64Array sum): ${fmt(plainSumNsPerElement())} ns/element in this thread, ${fmt(fresh.probe)} in the fresh isolate. Once an isolate has detached any`);
  console.log('ArrayBuffer (here: tsx loading the CommonJS baselines; in a Node server: a fetch/Request body read through a web stream), V8 checks every typed-array access for detachment.');
  console.log('npm libraries follow Tulip/own conventions (values differ from TA-Lib); timed for speed only.');
}
