import { AppError } from '../../errors.ts';
import type { GapMetadata } from '../../../../schemas/market-metadata.ts';
import type { OhlcvMessage } from '../../../../schemas/ohlcv.ts';

/** Stable codes of everything the streamer client can report; `fatal` ones stop the client. */
export type StreamerErrorCode =
  | 'CC_WS_UNAUTHORIZED'
  | 'CC_WS_TOO_MANY_SOCKETS'
  | 'CC_WS_OPENING_TOO_FAST'
  | 'CC_WS_TOO_MANY_SUBSCRIPTIONS'
  | 'CC_WS_INVALID_SUB'
  | 'CC_WS_FORCE_DISCONNECT'
  | 'CC_WS_STALE'
  | 'CC_WS_MALFORMED_FRAME'
  | 'CC_WS_INVALID_DATA'
  | 'CC_WS_REJECTED_REQUEST'
  | 'CC_WS_SOCKET_ERROR';

export class StreamerError extends AppError {
  declare readonly code: StreamerErrorCode;
  readonly fatal: boolean;

  constructor(code: StreamerErrorCode, message: string, options: { fatal?: boolean; status?: number; details?: Record<string, unknown> } = {}) {
    super(code, message, { status: options.status ?? 502, ...(options.details === undefined ? {} : { details: options.details }) });
    this.name = 'StreamerError';
    this.fatal = options.fatal ?? false;
  }
}

export type ConnectionState = 'connecting' | 'connected' | 'stale' | 'reconnecting' | 'stopped';

/** Lifecycle of one subscription: sent, acknowledged (16), refused (500 INVALID_SUB / 429 cap), removed (17). */
export type SubscriptionState = 'pending' | 'active' | 'invalid' | 'rejected' | 'removed';

export interface StreamTicker {
  /** '5' = CCCAGG aggregate index, '2' = one exchange's ticker. */
  channel: '5' | '2';
  exchange: string;
  symbol: string;
  /** Absent until a frame carrying PRICE has been seen (partial updates often omit it). */
  price?: number;
  /** LASTUPDATE in epoch ms, when known. */
  lastUpdate?: number;
  flags?: number;
  /** Every field seen so far, merged (latest value wins). */
  fields: Readonly<Record<string, number | string>>;
  /** Fields the frame that produced this event carried. */
  changed: readonly string[];
}

export interface StreamTrade {
  exchange: string;
  symbol: string;
  id: string;
  /** Exchange time in epoch ms (TS + TSNS). */
  timestamp: number;
  price: number;
  quantity: number;
  side: 'buy' | 'sell' | 'unknown';
  reversed: boolean;
  receivedAt: number;
}

/** Everything the client tells its owner, discriminated on `type`. */
export type StreamerEvent =
  | { type: 'candle'; sub: string; candle: OhlcvMessage }
  | { type: 'ticker'; sub: string; ticker: StreamTicker }
  | { type: 'trade'; sub: string; trade: StreamTrade }
  | { type: 'gap'; sub: string; gap: GapMetadata }
  | { type: 'status'; state: ConnectionState; at: number; reconnects: number; lastMessageAt: number | null; delayMs?: number; reason?: string }
  | { type: 'subscription'; sub: string; state: SubscriptionState; info?: string }
  | { type: 'control'; message: 'STREAMERWELCOME' | 'LOADCOMPLETE' | 'UNSUBSCRIBEALLCOMPLETE' | 'HEARTBEAT'; frame: Readonly<Record<string, unknown>> }
  | { type: 'error'; error: StreamerError };

export type StreamerEventType = StreamerEvent['type'];
