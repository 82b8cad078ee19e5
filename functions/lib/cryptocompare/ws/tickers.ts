import { normalizeExchange, normalizeSymbol, secondsToMs } from '../../../../schemas/common.ts';
import type { StreamTicker } from './events.ts';
import { numberField, stringField } from './protocol.ts';

/** Identity fields: they name the pair rather than carry a value. */
const IDENTITY = new Set(['TYPE', 'MARKET', 'FROMSYMBOL', 'TOSYMBOL']);

/**
 * TYPE 5 / TYPE 2 frames: a full snapshot first, then only the fields that changed. Keeps merged state per
 * (TYPE, MARKET, FROMSYMBOL, TOSYMBOL) so every emitted ticker is complete as far as anything is known.
 */
export class TickerMerger {
  private readonly state = new Map<string, Record<string, number | string>>();

  /** The merged ticker, or null when the frame does not name a pair. */
  merge(frame: Record<string, unknown>): StreamTicker | null {
    const channel = stringField(frame.TYPE);
    const market = stringField(frame.MARKET);
    const from = stringField(frame.FROMSYMBOL);
    const to = stringField(frame.TOSYMBOL);
    if ((channel !== '5' && channel !== '2') || market === undefined || from === undefined || to === undefined) return null;
    const key = `${channel}~${market}~${from}~${to}`;
    const merged = this.state.get(key) ?? {};
    const changed: string[] = [];
    for (const [field, value] of Object.entries(frame)) {
      if (IDENTITY.has(field)) continue;
      if (typeof value === 'number' || typeof value === 'string') {
        merged[field] = value;
        changed.push(field);
      }
    }
    this.state.set(key, merged);
    const price = numberField(merged.PRICE);
    const lastUpdate = numberField(merged.LASTUPDATE);
    const flags = numberField(merged.FLAGS);
    return {
      channel,
      exchange: normalizeExchange(market),
      symbol: normalizeSymbol(`${from}-${to}`),
      ...(price === undefined ? {} : { price }),
      ...(lastUpdate === undefined ? {} : { lastUpdate: secondsToMs(lastUpdate) }),
      ...(flags === undefined ? {} : { flags }),
      fields: { ...merged },
      changed,
    };
  }

  forget(channel: string, market: string, base: string, quote: string): void {
    this.state.delete(`${channel}~${market}~${base}~${quote}`);
  }
}
