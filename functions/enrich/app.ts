import type { Hono } from 'hono';
import { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { createOneToOneApp, type BatchAppOptions } from '../lib/batch/index.ts';
import { DecodedCache, seriesStateKey, withState, type StateStore } from '../lib/state/index.ts';
import { deriveEnrichment, type MarketNames } from './derive.ts';

export interface EnrichConfig {
  /** Recent closes remembered per series, so revisions and late candles still find their previous close. */
  historyBars: number;
  stateTtlMs?: number;
  /** Series kept decoded between batches (reused while the store still holds what this instance wrote); 0 keeps none. */
  stateCacheSize: number;
}

export interface EnrichDeps extends BatchAppOptions {
  state: StateStore;
  names?: MarketNames;
  config?: Partial<EnrichConfig>;
}

/** Recent closes of one series, oldest first. */
interface ClosesState {
  bars: Array<{ t: number; close: number }>;
}

/** enrich: validated candles in, the same candles with `enrichment` (derived fields, quality score, names) out. */
export function createEnrichApp(deps: EnrichDeps): Hono {
  const config: EnrichConfig = { historyBars: 50, stateCacheSize: 1_000, ...deps.config };
  const names = deps.names ?? {};
  const ttl = config.stateTtlMs === undefined ? {} : { ttlMs: config.stateTtlMs };
  const cache = new DecodedCache<ClosesState>(config.stateCacheSize);
  return createOneToOneApp<OhlcvMessage, OhlcvMessage>({
    ...deps,
    name: 'enrich',
    stage: 'enrich',
    input: OhlcvMessage,
    process: (candles, ctx) =>
      withState<ClosesState, OhlcvMessage[]>(deps.state, candles.map((c) => seriesStateKey('enrich', c)), (view) =>
        candles.map((c) => {
          const key = seriesStateKey('enrich', c);
          const bars = view.get(key)?.bars ?? [];
          const previous = bars.filter((b) => b.t < c.timestamp).at(-1);
          const next = bars.filter((b) => b.t !== c.timestamp);
          next.push({ t: c.timestamp, close: c.close });
          next.sort((a, b) => a.t - b.t);
          view.set(key, { bars: next.slice(-config.historyBars) });
          return { ...c, enrichment: deriveEnrichment(c, previous?.close ?? null, ctx.now, names) };
        }), { ...ttl, cache }),
  });
}
