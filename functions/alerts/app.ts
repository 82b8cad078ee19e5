import type { Hono } from 'hono';
import type { AlertRule } from '../../schemas/alert-rule.ts';
import type { AlertEvent } from '../../schemas/alerts.ts';
import { candleKey, OhlcvMessage } from '../../schemas/ohlcv.ts';
import { createOneToManyApp, type BatchAppOptions } from '../lib/batch/index.ts';
import { barsBefore, keptBarOf, seriesStateKey, upsertBar, withState, type KeptBar, type StateStore } from '../lib/state/index.ts';
import { evaluate, historyNeeded } from './conditions.ts';
import { canonicalJson, fnv1a } from './ids.ts';
import { PATTERN_WINDOW } from './pattern-window.ts';
import type { RuleSource } from './rule-source.ts';

export interface AlertsConfig {
  /** Throttle keys remembered per series (replay protection for once_per_bar/interval); `once` keys are never dropped. */
  firedKeys: number;
  stateTtlMs?: number;
}

export interface AlertsDeps extends BatchAppOptions {
  state: StateStore;
  rules: RuleSource;
  config?: Partial<AlertsConfig>;
}

/** Per series: recent closed bars, the throttle keys of fired alerts, and the spent `once` rules. */
interface AlertsState {
  bars: KeptBar[];
  fired: string[];
  spent: string[];
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
  const config: AlertsConfig = { firedKeys: 2_000, ...deps.config };
  const ttl = config.stateTtlMs === undefined ? {} : { ttlMs: config.stateTtlMs };
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
          const current = keptBarOf(c);
          const history = barsBefore(state.bars, c.timestamp);
          const fired = new Set(state.fired);
          const spent = new Set(state.spent);
          const events: AlertEvent[] = [];
          for (const rule of rules) {
            if (!appliesTo(rule, c, ctx.now)) continue;
            const evaluation = evaluate(rule.condition, current, history);
            if (!evaluation.met) continue;
            const tag = fnv1a(canonicalJson(rule.condition));
            const throttle = throttleKey(rule, tag, c);
            if (fired.has(throttle) || spent.has(throttle)) continue;
            (rule.trigger.mode === 'once' ? spent : fired).add(throttle);
            events.push(alertEvent(rule, c, tag, evaluation.description, evaluation.evidence, ctx.now));
          }
          const next: AlertsState = {
            bars: c.state === 'forming' ? state.bars : upsertBar(state.bars, current, keep),
            fired: [...fired].slice(-config.firedKeys),
            spent: [...spent],
          };
          if (events.length > 0 || c.state !== 'forming') view.set(key, next);
          return events;
        }), ttl);
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
