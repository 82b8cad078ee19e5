import type { Hono } from 'hono';
import type { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { createOneToOneApp, isRefusal, type BatchAppOptions, type Refusal } from '../lib/batch/index.ts';
import { DecodedCache, seriesStateKey, withState, type StateStore } from '../lib/state/index.ts';
import { checkCandle, DEFAULT_VALIDATE_CONFIG, RawOhlcv, type ValidateConfig } from './checks.ts';
import { orderedFlags, qualityLevel } from './quality.ts';
import { checkAgainstSeries, emptySeriesState, type SeriesState } from './series.ts';

export interface ValidateDeps extends BatchAppOptions {
  state: StateStore;
  config?: Partial<ValidateConfig>;
}

/** validate: raw candles in, validated candles (with quality flags and level) out; refusals go to the dead-letter topic. */
export function createValidateApp(deps: ValidateDeps): Hono {
  const config: ValidateConfig = { ...DEFAULT_VALIDATE_CONFIG, ...deps.config };
  const ttl = config.stateTtlMs === undefined ? {} : { ttlMs: config.stateTtlMs };
  const cache = new DecodedCache<SeriesState>(config.stateCacheSize);
  return createOneToOneApp<RawOhlcv, OhlcvMessage>({
    ...deps,
    name: 'validate',
    stage: 'validate',
    input: RawOhlcv,
    process: (candles, ctx) =>
      withState<SeriesState, Array<OhlcvMessage | Refusal>>(deps.state, candles.map((c) => seriesStateKey('validate', c)), (view) =>
        candles.map((c) => {
          const own = checkCandle(c, ctx.now, config);
          if (isRefusal(own)) return own;
          const key = seriesStateKey('validate', c);
          // The view hands out this transaction's own copy, so the state is updated in place and written once at commit.
          const state = view.get(key) ?? emptySeriesState();
          const verdict = checkAgainstSeries(c, state, config);
          if (isRefusal(verdict)) return verdict;
          view.set(key, state);
          const flags = orderedFlags([...c.quality.flags, ...own, ...verdict.flags]);
          const gapBeforeMs = verdict.gapBeforeMs ?? c.quality.gapBeforeMs;
          const quality: OhlcvMessage['quality'] = gapBeforeMs === undefined ? { flags, level: qualityLevel(flags) } : { flags, level: qualityLevel(flags), gapBeforeMs };
          // The raw shape differs from OhlcvMessage only in allowing non-positive prices, which checkCandle refused above.
          const validated: OhlcvMessage = { ...c, quality };
          return validated;
        }), { ...ttl, cache }),
  });
}
