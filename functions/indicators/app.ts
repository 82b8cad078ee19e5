import type { Hono } from 'hono';
import { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { createOneToOneApp, refuse, type BatchAppOptions, type Refusal } from '../lib/batch/index.ts';
import type { Bar } from '../lib/indicators/index.ts';
import { seriesStateKey, withState, type StateStore } from '../lib/state/index.ts';
import { configKey, DEFAULT_INDICATORS_CONFIG, type IndicatorsConfig } from './config.ts';
import { RunnerCache } from './runner-cache.ts';
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
  const cache = new RunnerCache(config.runnerCacheSize);
  return createOneToOneApp<OhlcvMessage, OhlcvMessage>({
    ...deps,
    name: 'indicators',
    stage: 'indicators',
    input: OhlcvMessage,
    process: (candles) => {
      const runners = new Map<string, SeriesRunner>();
      return withState<IndicatorSeriesState, Array<OhlcvMessage | Refusal>>(deps.state, candles.map((c) => seriesStateKey('indicators', c)), (view) => {
        runners.clear(); // a retried attempt starts again from the state it read
        const results = candles.map((c): OhlcvMessage | Refusal => {
          const key = seriesStateKey('indicators', c);
          let runner = runners.get(key);
          if (runner === undefined) {
            runner = cache.take(key, view.version(key)) ?? new SeriesRunner(config.indicators, configId, config.historyBars, view.get(key));
            runners.set(key, runner);
          }
          if (c.state === 'forming') return { ...c, indicators: runner.forming(barOf(c)) };
          const indicators = runner.closed(barOf(c));
          if (indicators === undefined) {
            return refuse('REVISION_BEYOND_HISTORY', `candle ${c.timestamp} is older than the ${config.historyBars} bars kept for replay: recompute the series (backfill) or raise historyBars`, { historyBars: config.historyBars });
          }
          return { ...c, indicators };
        });
        for (const [key, runner] of runners) view.set(key, runner.toState());
        return results;
      }, {
        ...ttl,
        onCommit: (versions) => {
          for (const [key, runner] of runners) {
            const version = versions.get(key);
            if (version !== undefined) cache.put(key, version, runner);
          }
        },
      });
    },
  });
}
