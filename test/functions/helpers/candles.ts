import { bucketStart, TIMEFRAME_MS, type Timeframe } from '../../../schemas/common.ts';
import type { OhlcvMessage } from '../../../schemas/ohlcv.ts';

/** A fixed instant the logic tests pin the clock to (2024-01-01 12:00 UTC). */
export const NOW = Date.UTC(2024, 0, 1, 12, 0, 0);
export const MINUTE = 60_000;

/** A well-formed closed 1m candle `barsAgo` buckets before `now`; override anything. */
export function candle(overrides: Partial<OhlcvMessage> = {}, barsAgo = 1, now = NOW): OhlcvMessage {
  const timeframe: Timeframe = overrides.timeframe ?? '1m';
  const timestamp = bucketStart(now, timeframe) - barsAgo * TIMEFRAME_MS[timeframe];
  return {
    schemaVersion: 1,
    source: 'cryptocompare',
    exchange: 'cccagg',
    symbol: 'BTC-USD',
    timeframe,
    timestamp,
    open: 100,
    high: 102,
    low: 99,
    close: 101,
    volume: 10,
    quoteVolume: 1005,
    trades: null,
    state: 'closed',
    revision: 0,
    receivedAt: timestamp + TIMEFRAME_MS[timeframe] + 1_000,
    transport: 'rest',
    conversion: { type: 'direct', symbol: '' },
    quality: { flags: [], level: 'high' },
    ...overrides,
  };
}

/** Consecutive closed candles with the given closes (open = previous close), oldest first, ending one bucket before `now`. */
export function series(closes: readonly number[], overrides: Partial<OhlcvMessage> = {}, now = NOW): OhlcvMessage[] {
  return closes.map((close, i) => {
    const open = i === 0 ? close : (closes[i - 1] as number);
    return candle({ open, close, high: Math.max(open, close) * 1.001, low: Math.min(open, close) * 0.999, quoteVolume: 10 * close, ...overrides }, closes.length - i, now);
  });
}

let counter = 0;
/** A symbol no other test uses, so shared servers never see the same series twice. */
export function freshSymbol(): string {
  counter += 1;
  return `T${counter}X${Math.floor(Math.random() * 1e6)}-USD`;
}

/** POSTs a JSON batch to a function and returns status and parsed body. */
export async function post(url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}
