import type { SimCandle, SimTrade } from './context.ts';

/**
 * Frame builders of the CryptoCompare streamer v2, with the real API's field names and types: `TYPE` is a string,
 * times are Unix seconds (except SERVER_TIME_MS / TIMEMS), FLAGS and TS are numbers, IDs are strings.
 */

export type Frame = Record<string, unknown>;

export interface OpeningLimits {
  second: number;
  minute: number;
  hour: number;
  day: number;
  month: number;
}

export function welcomeFrame(p: {
  uptimeSeconds: number;
  serverName: string;
  serverTimeMs: number;
  clientId: number;
  socketId: string;
  socketsActive: number;
  socketsRemaining: number;
  max: OpeningLimits;
  remaining: OpeningLimits;
}): Frame {
  return {
    TYPE: '20',
    MESSAGE: 'STREAMERWELCOME',
    SERVER_UPTIME_SECONDS: p.uptimeSeconds,
    SERVER_NAME: p.serverName,
    SERVER_TIME_MS: p.serverTimeMs,
    CLIENT_ID: p.clientId,
    DATA_FORMAT: 'JSON',
    SOCKET_ID: p.socketId,
    SOCKETS_ACTIVE: p.socketsActive,
    SOCKETS_REMAINING: p.socketsRemaining,
    RATELIMIT_MAX_SECOND: p.max.second,
    RATELIMIT_MAX_MINUTE: p.max.minute,
    RATELIMIT_MAX_HOUR: p.max.hour,
    RATELIMIT_MAX_DAY: p.max.day,
    RATELIMIT_MAX_MONTH: p.max.month,
    RATELIMIT_REMAINING_SECOND: p.remaining.second,
    RATELIMIT_REMAINING_MINUTE: p.remaining.minute,
    RATELIMIT_REMAINING_HOUR: p.remaining.hour,
    RATELIMIT_REMAINING_DAY: p.remaining.day,
    RATELIMIT_REMAINING_MONTH: p.remaining.month,
  };
}

export const subscribeComplete = (sub: string): Frame => ({ TYPE: '16', MESSAGE: 'SUBSCRIBECOMPLETE', SUB: sub });
export const loadComplete = (): Frame => ({ TYPE: '3', MESSAGE: 'LOADCOMPLETE', INFO: 'All your valid subs have been loaded.' });
export const unsubscribeComplete = (sub: string): Frame => ({ TYPE: '17', MESSAGE: 'UNSUBSCRIBECOMPLETE', SUB: sub });
export const unsubscribeAllComplete = (valid: number, invalid: number): Frame => ({
  TYPE: '18',
  MESSAGE: 'UNSUBSCRIBEALLCOMPLETE',
  INFO: `Removed ${valid} subs.`,
  INFO_OBJ: { valid, invalid },
});
export const heartbeat = (timeMs: number): Frame => ({ TYPE: '999', MESSAGE: 'HEARTBEAT', TIMEMS: timeMs });
export const unauthorized = (): Frame => ({ TYPE: '401', MESSAGE: 'UNAUTHORIZED', PARAMETER: 'api_key', INFO: 'We only support JSON format with a valid api_key.' });
export const error500 = (message: string, parameter: string, info: string): Frame => ({ TYPE: '500', MESSAGE: message, PARAMETER: parameter, INFO: info });
export const forceDisconnect = (info: string): Frame => ({ TYPE: '500', MESSAGE: 'FORCE_DISCONNECT', INFO: info });
export const tooManySockets = (max: number): Frame => ({
  TYPE: '429',
  MESSAGE: `TOO_MANY_SOCKETS_MAX_${max}_PER_CLIENT`,
  INFO: `You are only allowed ${max} socket(s) per client; close the others and reconnect.`,
});
export const tooManySubscriptions = (max: number, sub: string): Frame => ({
  TYPE: '429',
  MESSAGE: `TOO_MANY_SUBSCRIPTIONS_MAX_${max}_PER_SOCKET`,
  PARAMETER: sub,
  INFO: `You can have at most ${max} subscriptions per socket.`,
});
export const openingTooFast = (l: OpeningLimits): Frame => ({
  TYPE: '429',
  MESSAGE: 'RATE_LIMIT_OPENING_SOCKETS_TOO_FAST',
  INFO: `month: ${l.month}, day: ${l.day}, hour: ${l.hour}, minute: ${l.minute}, second: ${l.second}`,
});

export interface Pair {
  market: string;
  base: string;
  quote: string;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** First/last/max/min trade of a period; absent when the period had no trade. */
export interface TradeExtremes {
  firstTs: number;
  lastTs: number;
  firstPrice: number;
  lastPrice: number;
  maxPrice: number;
  minPrice: number;
}

export function candleFrame(pair: Pair, unit: 'm' | 'H' | 'D', action: 'I' | 'A' | 'U', c: SimCandle, extremes: TradeExtremes | null): Frame {
  const frame: Frame = {
    TYPE: '24',
    MARKET: pair.market,
    FROMSYMBOL: pair.base,
    TOSYMBOL: pair.quote,
    TS: seconds(c.time),
    UNIT: unit,
    ACTION: action,
    OPEN: c.open,
    HIGH: c.high,
    LOW: c.low,
    CLOSE: c.close,
    VOLUMEFROM: c.volumefrom,
    VOLUMETO: c.volumeto,
    TOTALTRADES: c.trades,
  };
  if (c.trades > 0 && extremes !== null) {
    frame.FIRSTTS = seconds(extremes.firstTs);
    frame.LASTTS = seconds(extremes.lastTs);
    frame.FIRSTPRICE = extremes.firstPrice;
    frame.MAXPRICE = extremes.maxPrice;
    frame.MINPRICE = extremes.minPrice;
    frame.LASTPRICE = extremes.lastPrice;
  }
  return frame;
}

export function tradeFrame(pair: Pair, t: SimTrade, receivedAt: number): Frame {
  return {
    TYPE: '0',
    M: pair.market,
    FSYM: pair.base,
    TSYM: pair.quote,
    F: t.side === 'sell' ? '1' : '2',
    ID: t.id,
    TS: seconds(t.time),
    Q: t.quantity,
    P: t.price,
    TOTAL: Math.round(t.quantity * t.price * 1e8) / 1e8,
    RTS: seconds(receivedAt),
    TSNS: (t.time % 1000) * 1_000_000,
    RTSNS: (receivedAt % 1000) * 1_000_000,
  };
}
