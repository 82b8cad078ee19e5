import { describe, expect, it } from 'vitest';
import { TIMEFRAME_MS } from '../../schemas/common.ts';
import { acceleratedClock, manualClock, realClock } from '../../scripts/engines/simulator/clock.ts';
import type { SimCandle } from '../../scripts/engines/simulator/context.ts';
import { aggregateCandles, createMarket, MAX_REVISION_DELAY_MS } from '../../scripts/engines/simulator/market.ts';

/** The market model: deterministic, random access, consistent across timeframes. */

const NOW = Date.UTC(2026, 0, 10, 12, 30, 20);
const H = 3_600_000;
const market = () => createMarket({ seed: 42, symbols: ['BTC-USD', 'ETH-USD', 'NEW-USD'], listedAt: { 'NEW-USD': Date.UTC(2026, 0, 5, 10, 0) } });

function minutes(from: number, count: number, asOf = NOW, symbol = 'BTC-USD', exchange = 'cccagg'): SimCandle[] {
  const m = market();
  return Array.from({ length: count }, (_, i) => m.candle(exchange, symbol, '1m', from + i * 60_000, asOf));
}

describe('market', () => {
  it('is deterministic per seed and random access (same candle from a fresh market, any order)', () => {
    const t = Date.UTC(2025, 5, 1, 3, 7);
    const a = market().candle('coinbase', 'ETH-USD', '1m', t, NOW);
    const b = market();
    b.candle('coinbase', 'ETH-USD', '1m', t + 5 * 60_000, NOW);
    expect(b.candle('coinbase', 'ETH-USD', '1m', t, NOW)).toEqual(a);
    expect(createMarket({ seed: 43, symbols: ['ETH-USD'] }).candle('coinbase', 'ETH-USD', '1m', t, NOW)).not.toEqual(a);
  });

  it('chains open = previous close; OHLC invariants hold; ~3% zero-volume minutes repeat the close', () => {
    const series = minutes(NOW - 3 * 86_400_000 - (NOW % 60_000), 3000);
    let zero = 0;
    for (let i = 0; i < series.length; i++) {
      const c = series[i]!;
      if (i > 0) expect(c.open).toBe(series[i - 1]!.close);
      expect(c.high).toBeGreaterThanOrEqual(Math.max(c.open, c.close));
      expect(c.low).toBeLessThanOrEqual(Math.min(c.open, c.close));
      expect(c.low).toBeGreaterThan(0);
      if (c.volumefrom === 0) {
        zero++;
        expect([c.open, c.high, c.low, c.close].every((p) => p === c.open)).toBe(true);
        expect(c.volumeto).toBe(0);
      } else {
        expect(c.volumeto / c.volumefrom).toBeGreaterThan(c.low * 0.999);
      }
    }
    expect(zero / series.length).toBeGreaterThan(0.01);
    expect(zero / series.length).toBeLessThan(0.06);
  });

  it('1h equals the aggregate of its 60 minutes; 1d equals the aggregate of its 24 hours', () => {
    const m = market();
    const hour = Date.UTC(2026, 0, 9, 14);
    const mins = Array.from({ length: 60 }, (_, i) => m.candle('kraken', 'BTC-USD', '1m', hour + i * 60_000, NOW));
    const h = m.candle('kraken', 'BTC-USD', '1h', hour, NOW);
    const agg = aggregateCandles(hour, mins);
    expect(h).toMatchObject({ open: agg.open, high: agg.high, low: agg.low, close: agg.close, trades: agg.trades, forming: false });
    expect(h.volumefrom).toBeCloseTo(agg.volumefrom, 6);
    const day = Date.UTC(2026, 0, 8);
    const hours = Array.from({ length: 24 }, (_, i) => m.candle('kraken', 'BTC-USD', '1h', day + i * H, NOW));
    const d = m.candle('kraken', 'BTC-USD', '1d', day, NOW);
    expect(d.open).toBe(hours[0]!.open);
    expect(d.close).toBe(hours[23]!.close);
    expect(d.high).toBe(Math.max(...hours.map((x) => x.high)));
    expect(d.volumefrom).toBeCloseTo(hours.reduce((s, x) => s + x.volumefrom, 0), 4);
    for (const tf of ['5m', '15m', '30m', '4h'] as const) {
      const step = TIMEFRAME_MS[tf];
      const start = Math.floor((NOW - 10 * H) / step) * step;
      const c = m.candle('kraken', 'BTC-USD', tf, start, NOW);
      const parts = Array.from({ length: step / 60_000 }, (_, i) => m.candle('kraken', 'BTC-USD', '1m', start + i * 60_000, NOW));
      expect(c.close).toBe(parts.at(-1)!.close);
      expect(c.low).toBe(Math.min(...parts.map((x) => x.low)));
    }
  });

  it('a forming bucket is built from the minutes elapsed so far and closes into the final candle', () => {
    const m = market();
    const hour = Math.floor(NOW / H) * H;
    const forming = m.candle('cccagg', 'BTC-USD', '1h', hour, NOW);
    expect(forming.forming).toBe(true);
    const elapsed = Array.from({ length: 31 }, (_, i) => m.candle('cccagg', 'BTC-USD', '1m', hour + i * 60_000, NOW));
    expect(elapsed.at(-1)!.forming).toBe(true);
    expect(forming.close).toBe(elapsed.at(-1)!.close);
    expect(forming.volumefrom).toBeCloseTo(aggregateCandles(hour, elapsed).volumefrom, 6);
    const minute = Math.floor(NOW / 60_000) * 60_000;
    const partial = m.candle('cccagg', 'BTC-USD', '1m', minute, minute + 30_000);
    const done = m.candle('cccagg', 'BTC-USD', '1m', minute, minute + 60_000);
    expect(partial.forming).toBe(true);
    expect(done.forming).toBe(false);
    expect(partial.open).toBe(done.open);
    expect(partial.volumefrom).toBeLessThanOrEqual(done.volumefrom);
    expect(partial.high).toBeLessThanOrEqual(done.high);
  });

  it('is all zeros before listing, then trades from the listing minute', () => {
    const m = market();
    const listed = m.listedAt('NEW-USD');
    expect(m.candle('cccagg', 'NEW-USD', '1m', listed - 60_000, NOW)).toMatchObject({ open: 0, high: 0, low: 0, close: 0, volumefrom: 0, volumeto: 0 });
    expect(m.candle('cccagg', 'NEW-USD', '1d', Date.UTC(2026, 0, 4), NOW).close).toBe(0);
    const day = m.candle('cccagg', 'NEW-USD', '1d', Date.UTC(2026, 0, 5), NOW);
    expect(day.open).toBeGreaterThan(0);
    expect(day.low).toBeGreaterThan(0);
  });

  it('about 2% of closed minutes get a late revision, visible only once asOf passes the revision time', () => {
    const m = market();
    const start = Date.UTC(2026, 0, 9);
    let revised = 0;
    for (let i = 0; i < 5000; i++) {
      const t = start + i * 60_000;
      const late = m.candle('cccagg', 'ETH-USD', '1m', t, t + 60_000 + MAX_REVISION_DELAY_MS);
      if (late.revision === 0) continue;
      revised++;
      const fresh = m.candle('cccagg', 'ETH-USD', '1m', t, t + 60_000);
      expect(fresh.revision).toBe(0);
      expect(late.volumefrom).toBeGreaterThan(fresh.volumefrom);
      expect(late.close).toBe(fresh.close);
    }
    expect(revised / 5000).toBeGreaterThan(0.01);
    expect(revised / 5000).toBeLessThan(0.035);
  });

  it('ticker and trades agree with the candles', () => {
    const m = market();
    const minute = Math.floor(NOW / 60_000) * 60_000 - 5 * 60_000;
    const c = m.candle('coinbase', 'BTC-USD', '1m', minute, NOW);
    const trades = m.trades('coinbase', 'BTC-USD', minute, minute + 59_999);
    if (c.volumefrom > 0 && c.revision === 0) {
      expect(trades.length).toBe(c.trades);
      expect(trades.at(-1)!.price).toBe(c.close);
      expect(trades.reduce((s, t) => s + t.quantity, 0)).toBeCloseTo(c.volumefrom, 4);
      for (const t of trades) { expect(t.price).toBeLessThanOrEqual(c.high); expect(t.price).toBeGreaterThanOrEqual(c.low); }
    }
    const tk = m.ticker('coinbase', 'BTC-USD', NOW);
    expect(tk.price).toBe(m.candle('coinbase', 'BTC-USD', '1m', Math.floor(NOW / 60_000) * 60_000, NOW).close);
    expect(tk.high24h).toBeGreaterThanOrEqual(tk.low24h);
    expect(tk.openDay).toBe(m.candle('coinbase', 'BTC-USD', '1d', Math.floor(NOW / 86_400_000) * 86_400_000, NOW).open);
  });
});

describe('clocks', () => {
  it('real, accelerated and manual clocks', () => {
    expect(Math.abs(realClock().now() - Date.now())).toBeLessThan(1000);
    const fast = acceleratedClock(60, 1_000);
    expect(fast.speed).toBe(60);
    expect(fast.now()).toBeGreaterThanOrEqual(1_000);
    expect(() => acceleratedClock(0)).toThrow(RangeError);
    const manual = manualClock(5);
    manual.advance(10);
    expect(manual.now()).toBe(15);
  });
});
