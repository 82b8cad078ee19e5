import type { Hono } from 'hono';
import type { SignalEvent } from '../../schemas/alerts.ts';
import { candleKey, OhlcvMessage } from '../../schemas/ohlcv.ts';
import { PATTERN_WINDOW } from '../alerts/pattern-window.ts';
import { createOneToManyApp, type BatchAppOptions } from '../lib/batch/index.ts';
import { barsBefore, DecodedCache, firedKeysOf, firedKeysToKeep, judgingHorizon, keptBarOf, seriesStateKey, upsertBar, withState, type FiredKeys, type KeptBar, type StateStore } from '../lib/state/index.ts';
import { DEFAULT_SIGNALS_CONFIG, type SignalsConfig } from './config.ts';
import { detectSignals, type Detected } from './detectors.ts';

export interface SignalsDeps extends BatchAppOptions {
  state: StateStore;
  config?: Partial<SignalsConfig>;
}

/** Per series: recent closed bars and the ids of signals fired, each until its candle is too old to judge (a list before). */
interface SignalsState {
  bars: KeptBar[];
  fired: FiredKeys | string[];
}

/** Closed bars kept per series: what the detectors look back over. */
const KEEP = PATTERN_WINDOW + 6;

/** signals: candles with indicators in, 0..N SignalEvents per closed candle out (forming candles never signal: no repainting). */
export function createSignalsApp(deps: SignalsDeps): Hono {
  const config: SignalsConfig = { ...DEFAULT_SIGNALS_CONFIG, ...deps.config };
  const ttl = config.stateTtlMs === undefined ? {} : { ttlMs: config.stateTtlMs };
  const cache = new DecodedCache<SignalsState>(config.stateCacheSize);
  return createOneToManyApp<OhlcvMessage, SignalEvent>({
    ...deps,
    name: 'signals',
    stage: 'signals',
    input: OhlcvMessage,
    process: (candles, ctx) =>
      withState<SignalsState, SignalEvent[][]>(deps.state, candles.map((c) => seriesStateKey('signals', c)), (view) =>
        candles.map((c) => {
          if (c.state === 'forming') return [];
          const key = seriesStateKey('signals', c);
          const state = view.get(key) ?? { bars: [], fired: [] };
          // Too old to judge: its history is gone, and what it signalled before may no longer be remembered.
          if (c.timestamp < judgingHorizon(state.bars, KEEP)) return [];
          const current = keptBarOf(c);
          const fired = firedKeysOf(state.fired, c.timestamp);
          const events = detectSignals(current, barsBefore(state.bars, c.timestamp), config)
            .map((d) => signalEvent(d, c, ctx.now))
            .filter((e) => !fired.has(e.id));
          for (const e of events) fired.set(e.id, c.timestamp);
          const bars = upsertBar(state.bars, current, KEEP);
          view.set(key, { bars, fired: firedKeysToKeep(fired, judgingHorizon(bars, KEEP), config.firedKeys) });
          return events;
        }), { ...ttl, cache }),
  });
}

function signalEvent(d: Detected, c: OhlcvMessage, now: number): SignalEvent {
  return {
    kind: 'signal',
    // Revision-insensitive, so a revised or replayed candle never signals the same thing twice.
    id: `${d.signal}:${d.direction}:${candleKey(c)}${d.signal === 'pattern_confirmed' ? `:${String(d.evidence.pattern)}` : ''}`,
    at: c.timestamp,
    emittedAt: now,
    title: `${c.symbol} ${c.timeframe}: ${d.title}`.slice(0, 200),
    message: `${d.direction} ${d.signal} on ${c.symbol} ${c.timeframe} (${c.exchange}) at close ${c.close}, strength ${d.strength}`,
    severity: d.strength >= 0.8 ? 'warning' : 'info',
    exchange: c.exchange,
    symbol: c.symbol,
    timeframe: c.timeframe,
    signal: d.signal,
    direction: d.direction,
    strength: d.strength,
    price: c.close,
    evidence: d.evidence,
  };
}
