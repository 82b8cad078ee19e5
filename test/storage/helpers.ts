import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OhlcvMessage } from '../../schemas/ohlcv.ts';

export const MINUTE = 60_000;
/** 2024-03-01T00:00:00Z: a fixed origin so buckets are predictable. */
export const T0 = Date.UTC(2024, 2, 1);

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A valid 1m candle; prices derived from the minute index so every bucket differs. */
export function candle(timestamp: number, overrides: Partial<OhlcvMessage> = {}): OhlcvMessage {
  const i = Math.round((timestamp - T0) / MINUTE);
  const open = 100 + (i % 37) + i * 0.01;
  const close = open + ((i % 5) - 2) * 0.25;
  return {
    schemaVersion: 1,
    source: 'simulator',
    exchange: 'cccagg',
    symbol: 'BTC-USD',
    timeframe: '1m',
    timestamp,
    open,
    high: Math.max(open, close) + 0.5 + (i % 3),
    low: Math.min(open, close) - 0.5 - (i % 2),
    close,
    volume: 1 + (i % 7),
    quoteVolume: (1 + (i % 7)) * open,
    trades: 10 + (i % 11),
    state: 'closed',
    revision: 0,
    receivedAt: timestamp + MINUTE + 500,
    transport: 'rest',
    conversion: { type: 'direct', symbol: '' },
    quality: { flags: i % 50 === 0 ? ['zero_volume_fill'] : [], level: 'high' },
    ...overrides,
  };
}

/** `count` consecutive 1m candles from `start`. */
export function minutes(start: number, count: number, overrides: Partial<OhlcvMessage> = {}): OhlcvMessage[] {
  return Array.from({ length: count }, (_, k) => candle(start + k * MINUTE, overrides));
}

/** A late revision of a candle: new prices, a higher volume, the next revision, state `revised`. */
export function revise(c: OhlcvMessage, revision = c.revision + 1): OhlcvMessage {
  return {
    ...c,
    revision,
    state: 'revised',
    high: c.high + 10,
    close: c.close + 1,
    volume: c.volume + 100,
    quoteVolume: c.quoteVolume + 1000,
    quality: { flags: ['late_revision'], level: 'medium' },
  };
}

/** Rows are compared on numbers with a relative tolerance (float sums depend on order). */
export function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}
