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

const FEED_TYPES: ReadonlySet<DashboardEventType> = new Set(['alert', 'signal', 'system']);

function emittedAt(e: DashboardEvent): number {
  const v = (e.data as { emittedAt?: unknown } | null)?.emittedAt;
  return typeof v === 'number' ? v : 0;
}

export interface EventHub {
  publish(event: DashboardEvent): void;
  subscribe: Subscribe;
  /** The newest alert, signal and system events published (oldest first), so a page that opens late still sees them. */
  recent(): DashboardEvent[];
}

/**
 * An in-process fan-out: adapters publish (Kafka consumer, WS client), the dashboard subscribes per SSE client. It
 * also keeps the newest `keepRecent` feed events (by emittedAt, once per event id) for pages opened later.
 */
export function createEventHub(opts: { keepRecent?: number } = {}): EventHub {
  const keep = opts.keepRecent ?? 200;
  const subscribers = new Set<{ filter: EventFilter; onEvent: (e: DashboardEvent) => void }>();
  const recent: DashboardEvent[] = [];
  const ids = new Set<string>();
  const remember = (event: DashboardEvent): void => {
    const id = (event.data as { id?: unknown } | null)?.id;
    if (keep <= 0 || !FEED_TYPES.has(event.type) || typeof id !== 'string' || ids.has(id)) return;
    // Replayed history and live events interleave: insert in emittedAt order, then drop the oldest beyond the bound.
    const at = emittedAt(event);
    let i = recent.length;
    while (i > 0 && emittedAt(recent[i - 1]!) > at) i--;
    recent.splice(i, 0, event);
    ids.add(id);
    while (recent.length > keep) ids.delete((recent.shift()!.data as { id: string }).id);
  };
  return {
    publish(event) {
      remember(event);
      for (const s of subscribers) if (matches(s.filter, event)) s.onEvent(event);
    },
    subscribe(filter, onEvent) {
      const s = { filter, onEvent };
      subscribers.add(s);
      return () => subscribers.delete(s);
    },
    recent: () => [...recent],
  };
}
