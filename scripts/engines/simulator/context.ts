import type { Timeframe } from '../../../schemas/common.ts';

/**
 * What the simulator's REST side (server.ts, rest/*) and WebSocket side (ws-server.ts) share.
 * Everything the simulator produces is a deterministic function of (seed, exchange, symbol, timeframe, bucket, clock).
 */

/** One candle as the market model knows it; times in epoch ms (the protocol layers convert to CryptoCompare's seconds). */
export interface SimCandle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Base volume (CryptoCompare volumefrom). 0 for a zero-volume fill or pre-listing padding. */
  volumefrom: number;
  /** Quote volume (CryptoCompare volumeto). */
  volumeto: number;
  trades: number;
  /** True while the bucket is still open at the asked-for time. */
  forming: boolean;
  /** 0 as first published; >0 once a late revision has been applied at the asked-for time. */
  revision: number;
}

export interface SimTrade {
  id: string;
  time: number;
  price: number;
  quantity: number;
  side: 'buy' | 'sell';
}

export interface SimTicker {
  price: number;
  lastUpdate: number;
  open24h: number;
  high24h: number;
  low24h: number;
  volume24h: number;
  volume24hTo: number;
  openDay: number;
  highDay: number;
  lowDay: number;
  volumeDay: number;
  volumeDayTo: number;
  lastVolume: number;
  lastVolumeTo: number;
  lastTradeId: string;
}

export interface Market {
  readonly symbols: readonly string[];
  readonly exchanges: readonly string[];
  /** Listing time per symbol: candles before it are all-zero padding. */
  listedAt(symbol: string): number;
  candle(exchange: string, symbol: string, timeframe: Timeframe, bucketStart: number, asOf: number): SimCandle;
  ticker(exchange: string, symbol: string, asOf: number): SimTicker;
  trades(exchange: string, symbol: string, from: number, to: number): SimTrade[];
}

/** Fault switches; each can be flipped at runtime (tests) or by CLI flag. Probabilities are per message, 0..1. */
export interface Faults {
  /** Close every WebSocket abruptly now and then (ms between drops; 0 = never). */
  dropSocketEveryMs: number;
  /** Keep sockets open but send nothing (no data, no heartbeats). */
  stall: boolean;
  /** Answer REST with a rate-limit error: real HTTP 429, or CryptoCompare's HTTP-200 body with Type 99. */
  rateLimit: 'none' | 'http429' | 'type99';
  /** Send frames that are not valid JSON. */
  malformedFrames: number;
  /** Send some candle/trade messages twice. */
  duplicates: number;
  /** Deliver some candle updates out of order. */
  outOfOrder: number;
  /** Re-publish some closed candles with changed values (TYPE 24 'U', higher revision in REST). */
  revisions: number;
  /** Leave some buckets out of REST responses and WS streams. */
  gaps: number;
}

export const NO_FAULTS: Readonly<Faults> = {
  dropSocketEveryMs: 0,
  stall: false,
  rateLimit: 'none',
  malformedFrames: 0,
  duplicates: 0,
  outOfOrder: 0,
  revisions: 0,
  gaps: 0,
};

/** Simulated time. `speed` > 1 runs the market faster than the wall clock (60 = a minute candle closes every second). */
export interface Clock {
  now(): number;
  readonly speed: number;
}

export interface SimulatorContext {
  market: Market;
  faults: Faults;
  clock: Clock;
  /** When set, requests must carry one of these keys (Authorization: Apikey … or api_key=); otherwise any key is accepted. */
  apiKeys: ReadonlySet<string> | null;
  log: (line: string) => void;
}
