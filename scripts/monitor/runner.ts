import { DEFAULT_THRESHOLDS, EMPTY_STATE, evaluateMonitor, type MonitorInput, type MonitorState, type MonitorThresholds } from '../../functions/lib/monitor/evaluate.ts';
import type { SystemEvent } from '../../schemas/alerts.ts';

export interface MonitorRunnerOptions {
  /** Gathers the current input (scrapes, health checks). */
  input: () => Promise<MonitorInput>;
  /** Delivers transitions (to the alerts topic); a throw keeps the previous state so they are retried next tick. */
  publish: (events: SystemEvent[]) => Promise<void>;
  thresholds?: MonitorThresholds;
  intervalMs?: number;
  onError?: (error: Error) => void;
}

export interface MonitorRunner {
  /** One evaluation now; resolves with the events it published. */
  tick(): Promise<SystemEvent[]>;
  state(): MonitorState;
  stop(): void;
}

/** Evaluates the monitor every `intervalMs` (0 = only on tick()) and publishes each transition once. */
export function startMonitorRunner(opts: MonitorRunnerOptions): MonitorRunner {
  let state: MonitorState = EMPTY_STATE;
  let running: Promise<SystemEvent[]> | undefined;
  const tick = (): Promise<SystemEvent[]> =>
    (running ??= (async () => {
      try {
        const next = evaluateMonitor(state, await opts.input(), opts.thresholds ?? DEFAULT_THRESHOLDS);
        if (next.events.length > 0) await opts.publish(next.events);
        state = next.state;
        return next.events;
      } finally {
        running = undefined;
      }
    })());
  const interval = opts.intervalMs ?? 15_000;
  const timer = interval > 0 ? setInterval(() => void tick().catch((e: unknown) => opts.onError?.(e as Error)), interval) : undefined;
  return { tick, state: () => state, stop: () => clearInterval(timer) };
}
