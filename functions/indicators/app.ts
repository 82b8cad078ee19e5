import type { Hono } from 'hono';
import { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { createOneToOneApp, refuse, type BatchAppOptions, type Refusal } from '../lib/batch/index.ts';
import type { Bar } from '../lib/indicators/index.ts';
import { DecodedCache, seriesStateKey, withState, type StateCodec, type StateStore } from '../lib/state/index.ts';
import { configKey, DEFAULT_INDICATORS_CONFIG, type IndicatorsConfig } from './config.ts';
import { SeriesRunner, type IndicatorSeriesState } from './series-runner.ts';

export interface IndicatorsDeps extends BatchAppOptions {
  state: StateStore;
  config?: Partial<IndicatorsConfig>;
}

function barOf(c: OhlcvMessage): Bar {
  return { time: c.timestamp, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, quoteVolume: c.quoteVolume };
}

/** indicators: candles in, the same candles with an `indicators` map out (provisional on forming candles). */
export function createIndicatorsApp(deps: IndicatorsDeps): Hono {
  const config: IndicatorsConfig = { ...DEFAULT_INDICATORS_CONFIG, ...deps.config };
  const configId = configKey(config.indicators);
  const ttl = config.stateTtlMs === undefined ? {} : { ttlMs: config.stateTtlMs };
  const cache = new DecodedCache<SeriesRunner>(config.stateCacheSize);
  const runnerOf = (state: IndicatorSeriesState | undefined): SeriesRunner => new SeriesRunner(config.indicators, configId, config.historyBars, state);
  const codec: StateCodec<SeriesRunner> = { decode: (stored) => runnerOf(stored as IndicatorSeriesState), encode: (runner) => runner.toState() };
  return createOneToOneApp<OhlcvMessage, OhlcvMessage>({
    ...deps,
    name: 'indicators',
    stage: 'indicators',
    input: OhlcvMessage,
    process: (candles) =>
      withState<SeriesRunner, Array<OhlcvMessage | Refusal>>(deps.state, candles.map((c) => seriesStateKey('indicators', c)), (view) =>
        candles.map((c): OhlcvMessage | Refusal => {
          const key = seriesStateKey('indicators', c);
          const runner = view.get(key) ?? runnerOf(undefined);
          view.set(key, runner);
          if (c.state === 'forming') return { ...c, indicators: runner.forming(barOf(c)) };
          const indicators = runner.closed(barOf(c));
          if (indicators === undefined) {
            return refuse('REVISION_BEYOND_HISTORY', `candle ${c.timestamp} is older than the ${config.historyBars} bars kept for replay: recompute the series (backfill) or raise historyBars`, { historyBars: config.historyBars });
          }
          return { ...c, indicators };
        }), { ...ttl, cache, codec }),
  });
}
