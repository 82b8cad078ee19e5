import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIndicatorsApp } from '../../functions/indicators/app.ts';
import { MemoryStateStore } from '../../functions/lib/state/index.ts';
import { computePatternBatch } from '../../functions/lib/patterns/index.ts';
import { createSignalsApp } from '../../functions/signals/app.ts';
import { SignalEvent } from '../../schemas/alerts.ts';
import type { IndicatorValue, OhlcvMessage } from '../../schemas/ohlcv.ts';
import { NOW, series } from './helpers/candles.ts';
import { postBatch, serveApp, type Served } from './helpers/runtimes.ts';

const provenance: IndicatorValue['provenance'] = { method: 'test', params: {}, lookback: 0, consumed: 300, stable: true, convention: 'ta-lib' };
/** A candle carrying the given indicator outputs, e.g. { MACD: { macd: 1, signal: 0 } }. */
function withInd(c: OhlcvMessage, ind: Record<string, Record<string, number | null>>): OhlcvMessage {
  return { ...c, indicators: Object.fromEntries(Object.entries(ind).map(([id, values]) => [id, { values, provenance, provisional: false }])) };
}

let served: Served;
beforeAll(async () => {
  served = await serveApp(createSignalsApp({ state: new MemoryStateStore(), clock: () => NOW }));
});
afterAll(async () => served.stop());

let n = 0;
const fresh = () => `S${++n}-USD`;
async function send(batch: OhlcvMessage[], url = served.url): Promise<SignalEvent[][]> {
  const answers = await postBatch<SignalEvent>(url, batch);
  return answers.map((a) => {
    if (!a.ok) throw new Error(a.deadLetter.message);
    return a.messages.map((m) => SignalEvent.parse(m));
  });
}

describe('signals from indicator values', () => {
  it('macd_cross: bullish and bearish crosses of the signal line, stronger on the trend side of zero', async () => {
    const bars = series([100, 101, 102, 101], { symbol: fresh() });
    const rows = [{ macd: -2, signal: -1 }, { macd: -0.5, signal: -1 }, { macd: 1, signal: 0.5 }, { macd: 0.2, signal: 0.6 }];
    const events = await send(bars.map((c, i) => withInd(c, { MACD: rows[i] as Record<string, number> })));
    expect(events.map((e) => e.map((s) => `${s.signal}:${s.direction}:${s.strength}`))).toEqual([[], ['macd_cross:bullish:0.5'], [], ['macd_cross:bearish:0.5']]);
    expect(events[1]?.[0]?.evidence).toMatchObject({ macd: -0.5, signal: -1, previousMacd: -2, previousSignal: -1, zeroLineAgrees: false });
  });

  it('rsi_regime: exits from oversold and overbought, stronger after a deeper extreme', async () => {
    const bars = series([100, 99, 98, 99, 100, 101, 102], { symbol: fresh() });
    const rsi = [40, 25, 15, 32, 60, 80, 65];
    const events = await send(bars.map((c, i) => withInd(c, { RSI: { rsi: rsi[i] as number } })));
    expect(events.map((e) => e.map((s) => `${s.signal}:${s.direction}`))).toEqual([[], [], [], ['rsi_regime:bullish'], [], [], ['rsi_regime:bearish']]);
    expect(events[3]?.[0]).toMatchObject({ strength: 1, evidence: { rsi: 32, previousRsi: 15, extreme: 15, regime: 'oversold_exit' } });
    expect(events[6]?.[0]).toMatchObject({ strength: 0.833, evidence: { extreme: 80, regime: 'overbought_exit' } });
  });

  it('golden_cross and death_cross of SMA50 and SMA200, stronger when price agrees', async () => {
    const bars = series([100, 104, 104, 96], { symbol: fresh() });
    const rows = [{ SMA50: { sma: 99 }, SMA200: { sma: 100 } }, { SMA50: { sma: 100.5 }, SMA200: { sma: 100 } }, { SMA50: { sma: 101 }, SMA200: { sma: 100 } }, { SMA50: { sma: 99.5 }, SMA200: { sma: 100 } }];
    const events = await send(bars.map((c, i) => withInd(c, rows[i] as Record<string, Record<string, number>>)));
    expect(events.map((e) => e.map((s) => `${s.signal}:${s.direction}:${s.strength}`))).toEqual([[], ['golden_cross:bullish:0.9'], [], ['death_cross:bearish:0.9']]);
    expect(events[1]?.[0]).toMatchObject({ severity: 'warning', evidence: { fast: 100.5, slow: 100, priceAgrees: true } });
  });

  it('bollinger_breakout above the upper and below the lower band', async () => {
    const bars = series([100, 106, 100, 93], { symbol: fresh() });
    const band = { upper: 105, middle: 100, lower: 95 };
    const events = await send(bars.map((c) => withInd(c, { BBANDS: band })));
    expect(events.map((e) => e.map((s) => `${s.signal}:${s.direction}:${s.strength}`))).toEqual([[], ['bollinger_breakout:bullish:0.7'], [], ['bollinger_breakout:bearish:0.9']]);
  });

  it('pattern_confirmed: a library pattern with the close on its side of the trend average', async () => {
    const closes = [...Array.from({ length: 14 }, (_, i) => 100 + (i % 2 === 0 ? 0.5 : -0.5)), 96, 103];
    const bars = series(closes, { symbol: fresh() });
    bars[14] = { ...(bars[14] as OhlcvMessage), open: 100, close: 96, high: 100.2, low: 95.8 };
    bars[15] = { ...(bars[15] as OhlcvMessage), open: 95.5, close: 103, high: 103.2, low: 95.3 };
    const engulfing = computePatternBatch('CDLENGULFING', bars.map((c) => ({ time: c.timestamp, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume })));
    const events = await send(bars.map((c) => withInd(c, { EMA20: { ema: 100 } })));
    const last = events[15]?.find((s) => s.signal === 'pattern_confirmed' && s.evidence.pattern === 'CDLENGULFING');
    expect(last).toMatchObject({ direction: 'bullish', strength: 0.7, evidence: { value: engulfing[15], trend: 100, close: 103 } });
    // Below the trend average the same pattern is not confirmed.
    const below = await send(bars.map((c) => withInd({ ...c, symbol: 'SB-USD' }, { EMA20: { ema: 110 } })));
    expect(below[15]?.filter((s) => s.signal === 'pattern_confirmed' && s.direction === 'bullish')).toEqual([]);
  });

  it('never signals on forming candles and never twice for one candle (replay and revision)', async () => {
    const bars = series([100, 101], { symbol: fresh() });
    const rows = [{ macd: -1, signal: 0 }, { macd: 1, signal: 0 }];
    const batch = bars.map((c, i) => withInd(c, { MACD: rows[i] as Record<string, number> }));
    expect((await send([{ ...(batch[1] as OhlcvMessage), state: 'forming' }, batch[0] as OhlcvMessage])).flat()).toEqual([]);
    expect((await send(batch)).flat().map((s) => s.signal)).toEqual(['macd_cross']);
    expect((await send(batch)).flat()).toEqual([]);
    expect((await send([{ ...(batch[1] as OhlcvMessage), state: 'revised', revision: 1, close: 101.2 }])).flat()).toEqual([]);
  });
});

describe('signals end to end with the indicators function', () => {
  it('finds the golden cross in a series that turns from down to up, with real SMA50/SMA200 values as evidence', async () => {
    const indicators = await serveApp(createIndicatorsApp({ state: new MemoryStateStore() }));
    try {
      const closes = [...Array.from({ length: 260 }, (_, i) => 200 - i * 0.3), ...Array.from({ length: 200 }, (_, i) => 122 + i * 0.8)];
      const bars = series(closes, { symbol: fresh() });
      const enriched: OhlcvMessage[] = [];
      for (let i = 0; i < bars.length; i += 100) {
        const answers = await postBatch<OhlcvMessage>(indicators.url, bars.slice(i, i + 100));
        for (const a of answers) if (a.ok) enriched.push(a.message);
      }
      const events = (await send(enriched)).flat();
      const golden = events.filter((e) => e.signal === 'golden_cross');
      expect(golden).toHaveLength(1);
      const at = enriched.findIndex((c) => c.timestamp === golden[0]?.at);
      const sma = (i: number, id: string) => enriched[i]?.indicators?.[id]?.values.sma as number;
      expect(sma(at - 1, 'SMA50')).toBeLessThanOrEqual(sma(at - 1, 'SMA200'));
      expect(sma(at, 'SMA50')).toBeGreaterThan(sma(at, 'SMA200'));
      expect(golden[0]?.evidence).toMatchObject({ fast: sma(at, 'SMA50'), slow: sma(at, 'SMA200') });
      expect(events.some((e) => e.signal === 'macd_cross' && e.direction === 'bullish')).toBe(true);
    } finally {
      await indicators.stop();
    }
  });
});
