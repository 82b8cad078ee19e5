import { normalizeHistoBody } from '../functions/lib/cryptocompare/normalize.ts';
import { createMarket } from '../scripts/engines/simulator/market.ts';

/**
 * Parse + normalise + validate a 2,000-candle histo page, against the bare JSON.parse + JSON.stringify of the same bytes
 * measured in the same run. Target: subject within 3x of the baseline.
 */

const CANDLES = 2001;

function histoBody(): string {
  const market = createMarket({ seed: 7, symbols: ['BTC-USD'] });
  const now = Date.UTC(2026, 0, 10, 12, 30, 20);
  const last = Math.floor(now / 60_000) * 60_000;
  const data = [];
  for (let i = CANDLES - 1; i >= 0; i--) {
    const c = market.candle('cccagg', 'BTC-USD', '1m', last - i * 60_000, now);
    data.push({ time: c.time / 1000, high: c.high, low: c.low, open: c.open, volumefrom: c.volumefrom, volumeto: c.volumeto, close: c.close, conversionType: 'direct', conversionSymbol: '' });
  }
  return JSON.stringify({ Response: 'Success', Message: '', HasWarning: false, Type: 100, RateLimit: {}, Data: { Aggregated: false, TimeFrom: data[0]!.time, TimeTo: data.at(-1)!.time, Data: data } });
}

function timeRounds(fn: () => void, rounds: number, iterations: number): number {
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    perRound.push((performance.now() - t0) / iterations);
  }
  perRound.sort((a, b) => a - b);
  return perRound[Math.floor(perRound.length / 2)]!;
}

export default function run(): void {
  const text = histoBody();
  const ctx = { exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1m' as const, receivedAt: Date.now() };
  let sink = 0;
  const baseline = (): void => { sink += JSON.stringify(JSON.parse(text) as unknown).length; };
  const subject = (): void => { sink += normalizeHistoBody(JSON.parse(text) as unknown, ctx, true).length; };
  // Warm both paths up so the JIT has compiled them before measuring.
  timeRounds(baseline, 3, 20);
  timeRounds(subject, 3, 20);
  const rounds = 9;
  const iterations = 30;
  // Interleave rounds so machine noise hits both sides alike.
  const base: number[] = [];
  const subj: number[] = [];
  for (let r = 0; r < rounds; r++) {
    base.push(timeRounds(baseline, 1, iterations));
    subj.push(timeRounds(subject, 1, iterations));
  }
  base.sort((a, b) => a - b);
  subj.sort((a, b) => a - b);
  const baseMs = base[Math.floor(rounds / 2)]!;
  const subjMs = subj[Math.floor(rounds / 2)]!;
  const rate = (ms: number): string => `${Math.round((CANDLES / ms) * 1000).toLocaleString('en-US')} candles/s`;
  console.log(`histo page: ${CANDLES} candles, ${(text.length / 1024).toFixed(0)} KiB`);
  console.log(`baseline  JSON.parse + JSON.stringify          ${baseMs.toFixed(3)} ms/page  ${rate(baseMs)}`);
  console.log(`subject   parse + normalize + validate          ${subjMs.toFixed(3)} ms/page  ${rate(subjMs)}`);
  console.log(`ratio     subject / baseline                    ${(subjMs / baseMs).toFixed(2)}x (target <= 3x)`);
  // Keeps the measured work observable so the JIT cannot drop it.
  if (sink === 0) console.log('(no output measured)');
}
