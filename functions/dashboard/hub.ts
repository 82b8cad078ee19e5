import type { Timeframe } from '../../schemas/common.ts';

/** What the dashboard streams: candles (with indicators), alert/signal/system events and health ticks. */
export type DashboardEventType = 'candle' | 'alert' | 'signal' | 'system' | 'health';
export interface DashboardEvent {
  type: DashboardEventType;
  data: unknown;
}

export interface EventFilter {
  symbols?: readonly string[];
  timeframes?: readonly Timeframe[];
}

export type Subscribe = (filter: EventFilter, onEvent: (event: DashboardEvent) => void) => () => void;

function matches(filter: EventFilter, event: DashboardEvent): boolean {
  const d = event.data as { symbol?: unknown; timeframe?: unknown } | null;
  if (d === null || typeof d !== 'object') return true;
  if (filter.symbols && typeof d.symbol === 'string' && !filter.symbols.includes(d.symbol)) return false;
  // Alerts and signals keep flowing for every timeframe: the feed shows them all.
  if (event.type === 'candle' && filter.timeframes && typeof d.timeframe === 'string' && !filter.timeframes.includes(d.timeframe as Timeframe)) return false;
  return true;
}

/** An in-process fan-out: adapters publish (Kafka consumer, WS client), the dashboard subscribes per SSE client. */
export function createEventHub(): { publish(event: DashboardEvent): void; subscribe: Subscribe } {
  const subscribers = new Set<{ filter: EventFilter; onEvent: (e: DashboardEvent) => void }>();
  return {
    publish(event) {
      for (const s of subscribers) if (matches(s.filter, event)) s.onEvent(event);
    },
    subscribe(filter, onEvent) {
      const s = { filter, onEvent };
      subscribers.add(s);
      return () => subscribers.delete(s);
    },
  };
}
