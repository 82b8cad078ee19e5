import { normalizeExchange, normalizeSymbol } from '../../../../schemas/common.ts';
import type { StreamTrade } from './events.ts';
import { numberField, stringField } from './protocol.ts';

/** Trade ids remembered for dedupe: comfortably more than the 20 replayed on every (re)subscribe. */
const REMEMBER = 5000;

/**
 * TYPE 0 frames: every subscribe replays the last 20 trades, and faults repeat frames, so a trade is new only if
 * (M, FSYM, TSYM, ID) has not been seen.
 */
export class TradeDeduper {
  private readonly seen = new Set<string>();

  /** The trade when it is new; null for a duplicate; 'invalid' when the frame lacks a needed field. */
  accept(frame: Record<string, unknown>, receivedAt: number): StreamTrade | null | 'invalid' {
    const market = stringField(frame.M);
    const from = stringField(frame.FSYM);
    const to = stringField(frame.TSYM);
    const id = stringField(frame.ID);
    const ts = numberField(frame.TS);
    const price = numberField(frame.P);
    const quantity = numberField(frame.Q);
    if (market === undefined || from === undefined || to === undefined || id === undefined || ts === undefined || price === undefined || quantity === undefined) return 'invalid';
    const key = `${market}~${from}~${to}~${id}`;
    if (this.seen.has(key)) return null;
    this.seen.add(key);
    if (this.seen.size > REMEMBER) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    const flags = numberField(frame.F) ?? 4;
    const side = flags & 1 ? 'sell' : flags & 2 ? 'buy' : 'unknown';
    const nanos = numberField(frame.TSNS) ?? 0;
    return {
      exchange: normalizeExchange(market),
      symbol: normalizeSymbol(`${from}-${to}`),
      id,
      timestamp: Math.floor(ts) * 1000 + Math.floor(nanos / 1_000_000),
      price,
      quantity,
      side,
      reversed: (flags & 8) !== 0,
      receivedAt,
    };
  }
}
