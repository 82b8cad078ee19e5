import type { OhlcvMessage } from '../../schemas/ohlcv.ts';

const MINUTE = 60_000;

/** `count` closed 1m candles of `symbol` from `start`: a deterministic wandering price, the same in every bench. */
export function minuteSeries(symbol: string, start: number, count: number): OhlcvMessage[] {
  const out: OhlcvMessage[] = [];
  let price = 30_000;
  for (let i = 0; i < count; i++) {
    const open = price;
    price = Math.max(1, price + Math.sin(i / 97) * 12 + ((i * 7919) % 13) - 6);
    const volume = 1 + ((i * 31) % 17);
    out.push({
      schemaVersion: 1, source: 'simulator', exchange: 'cccagg', symbol, timeframe: '1m', timestamp: start + i * MINUTE,
      open, high: Math.max(open, price) + 3, low: Math.min(open, price) - 3, close: price, volume, quoteVolume: volume * price,
      trades: 10 + (i % 50), state: 'closed', revision: 0, receivedAt: start + (i + 1) * MINUTE, transport: 'rest',
      conversion: { type: 'direct', symbol: '' }, quality: { flags: [], level: 'high' },
    });
  }
  return out;
}
