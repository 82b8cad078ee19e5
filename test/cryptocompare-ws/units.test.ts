import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from '../../functions/lib/cryptocompare/ws/backoff.ts';
import { CandleTracker } from '../../functions/lib/cryptocompare/ws/candles.ts';
import { parseSubscription } from '../../functions/lib/cryptocompare/ws/protocol.ts';
import { TickerMerger } from '../../functions/lib/cryptocompare/ws/tickers.ts';
import { TradeDeduper } from '../../functions/lib/cryptocompare/ws/trades.ts';

// The wire-level behaviour is tested against the simulator; these pin the pure rules the client is built from.

describe('reconnect backoff', () => {
  it('never waits less than the minimum nor more than the maximum, grows exponentially, and jitters', () => {
    for (const r of [0, 0.5, 0.999]) {
      for (let attempt = 0; attempt < 40; attempt++) {
        const d = reconnectDelayMs(attempt, 5_000, 60_000, () => r);
        expect(d).toBeGreaterThanOrEqual(5_000);
        expect(d).toBeLessThanOrEqual(60_000);
      }
    }
    expect(reconnectDelayMs(1, 5_000, 60_000, () => 0)).toBe(10_000);
    expect(reconnectDelayMs(1, 5_000, 60_000, () => 0.999)).toBeGreaterThan(14_000);
    expect(reconnectDelayMs(10, 5_000, 60_000, () => 0)).toBe(60_000);
  });
});

describe('subscription strings', () => {
  it('parses the four channels and refuses a candle without unit or a non-candle with one', () => {
    expect(parseSubscription('24~CCCAGG~BTC~USD~m')).toMatchObject({ type: '24', market: 'CCCAGG', base: 'BTC', quote: 'USD', unit: 'm' });
    expect(parseSubscription('0~Coinbase~BTC~USD')).toMatchObject({ type: '0', unit: undefined });
    expect(parseSubscription('24~CCCAGG~BTC~USD')).toBeNull();
    expect(parseSubscription('5~CCCAGG~BTC~USD~m')).toBeNull();
    expect(parseSubscription('8~Coinbase~BTC~USD')).toBeNull();
  });
});

describe('TYPE 5 partial updates', () => {
  it('merges deltas into the snapshot and never invents a price', () => {
    const m = new TickerMerger();
    const first = m.merge({ TYPE: '5', MARKET: 'CCCAGG', FROMSYMBOL: 'BTC', TOSYMBOL: 'USD', FLAGS: 4, VOLUMEDAY: 10 });
    expect(first?.price).toBeUndefined();
    expect(first && 'price' in first).toBe(false);
    const second = m.merge({ TYPE: '5', MARKET: 'CCCAGG', FROMSYMBOL: 'BTC', TOSYMBOL: 'USD', FLAGS: 2, PRICE: 100, LASTUPDATE: 1707832427 });
    expect(second).toMatchObject({ price: 100, flags: 2, lastUpdate: 1_707_832_427_000, exchange: 'cccagg', symbol: 'BTC-USD' });
    const third = m.merge({ TYPE: '5', MARKET: 'CCCAGG', FROMSYMBOL: 'BTC', TOSYMBOL: 'USD', FLAGS: 4, VOLUMEDAY: 11 });
    expect(third).toMatchObject({ price: 100, fields: { VOLUMEDAY: 11, PRICE: 100 }, changed: ['FLAGS', 'VOLUMEDAY'] });
  });
});

describe('TYPE 0 trade dedupe', () => {
  it('dedupes on (M, FSYM, TSYM, ID) and reads the side from F', () => {
    const d = new TradeDeduper();
    const frame = { TYPE: '0', M: 'Coinbase', FSYM: 'BTC', TSYM: 'USD', F: '1', ID: '852793745', TS: 1753190418, Q: 0.5, P: 100, TSNS: 654000000 };
    expect(d.accept(frame, 1)).toMatchObject({ id: '852793745', side: 'sell', timestamp: 1_753_190_418_654, exchange: 'coinbase' });
    expect(d.accept({ ...frame }, 2)).toBeNull();
    expect(d.accept({ ...frame, M: 'Kraken' }, 3)).not.toBeNull();
    expect(d.accept({ TYPE: '0', M: 'Coinbase' }, 4)).toBe('invalid');
  });
});

describe('TYPE 24 candle lifecycle', () => {
  const frame = (ts: number, close: number, trades: number, volume = trades) => ({ TYPE: '24', MARKET: 'CCCAGG', FROMSYMBOL: 'BTC', TOSYMBOL: 'USD', UNIT: 'm', TS: ts, OPEN: 10, HIGH: Math.max(10, close), LOW: Math.min(10, close), CLOSE: close, VOLUMEFROM: volume, VOLUMETO: volume * 10, TOTALTRADES: trades });
  const kinds = (out: ReturnType<CandleTracker['handle']>) => out.map((o) => (o.kind === 'candle' ? `${o.candle.state}:${o.candle.timestamp / 1000}:${o.candle.revision}` : o.kind === 'gap' ? `gap:${o.gap.from / 1000}-${o.gap.to / 1000}:${o.gap.reason}` : 'invalid'));

  it('forming -> closed on the next period, duplicates and stale updates suppressed, revisions count up, skipped periods are gaps', () => {
    const t = new CandleTracker('m', { source: 'simulator', now: () => 0 });
    expect(kinds(t.handle(frame(60, 11, 1)))).toEqual(['forming:60:0']);
    expect(kinds(t.handle(frame(60, 11, 1)))).toEqual([]);
    expect(kinds(t.handle(frame(60, 12, 3)))).toEqual(['forming:60:0']);
    expect(kinds(t.handle(frame(60, 11, 1)))).toEqual([]);
    expect(kinds(t.handle(frame(120, 12, 0, 0)))).toEqual(['closed:60:0', 'forming:120:0']);
    expect(kinds(t.handle(frame(60, 12, 4)))).toEqual(['revised:60:1']);
    expect(kinds(t.handle(frame(60, 12, 4)))).toEqual([]);
    expect(kinds(t.handle(frame(60, 12, 5)))).toEqual(['revised:60:2']);
    expect(kinds(t.handle(frame(300, 12, 1)))).toEqual(['closed:120:0', 'gap:180-240:source_gap', 'forming:300:0']);
    t.suspend();
    expect(kinds(t.handle(frame(480, 12, 1)))).toEqual(['gap:300-420:reconnect', 'forming:480:0']);
    t.suspend();
    expect(kinds(t.handle(frame(480, 12, 2)))).toEqual(['forming:480:0']);
    expect(kinds(t.handle({ TYPE: '24', TS: 540 }))).toEqual(['invalid']);
  });
});
