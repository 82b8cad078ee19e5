import type { Hono } from 'hono';
import type { AlertRule } from '../../schemas/alert-rule.ts';
import type { AlertEvent } from '../../schemas/alerts.ts';
import { candleKey, OhlcvMessage } from '../../schemas/ohlcv.ts';
import { createOneToManyApp, type BatchAppOptions } from '../lib/batch/index.ts';
import { barsBefore, DecodedCache, firedKeysOf, firedKeysToKeep, judgingHorizon, keptBarOf, seriesStateKey, upsertBar, withState, type FiredKeys, type KeptBar, type StateStore } from '../lib/state/index.ts';
import { evaluate, historyNeeded, indicatorKeysOf } from './conditions.ts';
import { canonicalJson, fnv1a } from './ids.ts';
import { PATTERN_WINDOW } from './pattern-window.ts';
import type { RuleSource } from './rule-source.ts';

export interface AlertsConfig {
  /**
   * Most throttle keys remembered per series (replay protection for once_per_bar/interval); a key is dropped sooner,
   * once the candles it could repeat on are older than the kept bars. `once` keys are never dropped.
   */
  firedKeys: number;
  stateTtlMs?: number;
  /** Series kept decoded between batches (reused while the store still holds what this instance wrote); 0 keeps none. */
  stateCacheSize: number;
}

export interface AlertsDeps extends BatchAppOptions {
  state: StateStore;
  rules: RuleSource;
  config?: Partial<AlertsConfig>;
}

/**
 * Per series: recent closed bars (with only the indicator outputs the series' rules read), the throttle keys of fired
 * alerts with the candle time up to which each matters, and the spent `once` rules. `fired` was a plain list before.
 */
interface AlertsState {
  bars: KeptBar[];
  fired: FiredKeys | string[];
  spent: string[];
}

/** The moment after which a throttle key can no longer repeat: its bar, or the end of its interval. */
function firedUntil(rule: AlertRule, c: OhlcvMessage): number {
  return rule.trigger.mode === 'once_per_interval' ? (Math.floor(c.timestamp / rule.trigger.intervalMs) + 1) * rule.trigger.intervalMs - 1 : c.timestamp;
}

function appliesTo(rule: AlertRule, c: OhlcvMessage, now: number): boolean {
  if (!rule.active || rule.symbol !== c.symbol || rule.timeframe !== c.timeframe) return false;
  if (rule.exchange !== undefined && rule.exchange !== c.exchange) return false;
  if (rule.expiresAt !== undefined && now >= rule.expiresAt) return false;
  return rule.trigger.mode !== 'once_per_bar_close' || c.state !== 'forming';
}

/** The key that says "this rule already fired here": per bar, per interval of candle time, or once ever. */
function throttleKey(rule: AlertRule, tag: string, c: OhlcvMessage): string {
  switch (rule.trigger.mode) {
    case 'once':
      return `${rule.id}|once|${tag}`;
    case 'once_per_interval':
      return `${rule.id}|i${Math.floor(c.timestamp / rule.trigger.intervalMs)}|${tag}`;
    default:
      return `${rule.id}|${c.timestamp}|${tag}`;
  }
}

/** alerts: candles (with indicators) in, 0..N AlertEvents per candle out, each at most once per its trigger mode. */
export function createAlertsApp(deps: AlertsDeps): Hono {
  const config: AlertsConfig = { firedKeys: 2_000, stateCacheSize: 1_000, ...deps.config };
  const ttl = config.stateTtlMs === undefined ? {} : { ttlMs: config.stateTtlMs };
  const cache = new DecodedCache<AlertsState>(config.stateCacheSize);
  return createOneToManyApp<OhlcvMessage, AlertEvent>({
    ...deps,
    name: 'alerts',
    stage: 'alerts',
    input: OhlcvMessage,
    process: async (candles, ctx) => {
      const rules = await deps.rules.list();
      const keep = Math.max(PATTERN_WINDOW, ...rules.map((r) => historyNeeded(r.condition))) + 1;
      return withState<AlertsState, AlertEvent[][]>(deps.state, candles.map((c) => seriesStateKey('alerts', c)), (view) =>
        candles.map((c) => {
          const key = seriesStateKey('alerts', c);
          const state = view.get(key) ?? { bars: [], fired: [], spent: [] };
          // Too old to judge: its history is gone, and whatever it fired before may no longer be remembered.
          if (c.timestamp < judgingHorizon(state.bars, keep)) return [];
          const series = rules.filter((r) => r.symbol === c.symbol && r.timeframe === c.timeframe);
          const current = keptBarOf(c, new Set(series.flatMap((r) => indicatorKeysOf(r.condition))));
          const history = barsBefore(state.bars, c.timestamp);
          const fired = firedKeysOf(state.fired, c.timestamp);
          const spent = new Set(state.spent);
          const events: AlertEvent[] = [];
          for (const rule of series) {
            if (!appliesTo(rule, c, ctx.now)) continue;
            const evaluation = evaluate(rule.condition, current, history);
            if (!evaluation.met) continue;
            const tag = fnv1a(canonicalJson(rule.condition));
            const throttle = throttleKey(rule, tag, c);
            if (fired.has(throttle) || spent.has(throttle)) continue;
            if (rule.trigger.mode === 'once') spent.add(throttle);
            else fired.set(throttle, firedUntil(rule, c));
            events.push(alertEvent(rule, c, tag, evaluation.description, evaluation.evidence, ctx.now));
          }
          const bars = c.state === 'forming' ? state.bars : upsertBar(state.bars, current, keep);
          const next: AlertsState = { bars, fired: firedKeysToKeep(fired, judgingHorizon(bars, keep), config.firedKeys), spent: [...spent] };
          if (events.length > 0 || c.state !== 'forming') view.set(key, next);
          return events;
        }), { ...ttl, cache });
    },
  });
}

function alertEvent(rule: AlertRule, c: OhlcvMessage, tag: string, description: string, evidence: Record<string, unknown>, now: number): AlertEvent {
  const event: AlertEvent = {
    kind: 'alert',
    // Revision-insensitive: the candle key has no revision, so a revised or replayed candle maps to the same id.
    id: `${rule.id}:${candleKey(c)}:${tag}`,
    at: c.timestamp,
    emittedAt: now,
    title: (rule.name ?? `${c.symbol} ${description}`).slice(0, 200),
    message: (rule.message ?? `${c.symbol} ${c.timeframe} on ${c.exchange}: ${description} (close ${c.close}, ${c.state} candle)`).slice(0, 2000),
    severity: rule.severity,
    exchange: c.exchange,
    symbol: c.symbol,
    timeframe: c.timeframe,
    ruleId: rule.id,
    condition: description,
    price: c.close,
    evidence: { ...evidence, trigger: rule.trigger.mode, candleState: c.state, revision: c.revision },
  };
  if (rule.webhookUrl !== undefined) event.webhookUrl = rule.webhookUrl;
  return event;
}
