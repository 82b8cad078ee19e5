import type { PlatformMetrics } from '../metrics/platform.ts';

/**
 * Tracks the newest message per stream and publishes stream_last_message_timestamp_seconds / stream_freshness_seconds;
 * `streams(now)` is the monitor's `streams` input. Fed by whatever receives messages (the WS client's events).
 */
export class FreshnessTracker {
  private readonly last = new Map<string, { at: number; cadenceMs: number }>();
  constructor(private readonly metrics?: PlatformMetrics) {}

  record(stream: string, at: number, cadenceMs: number): void {
    const prev = this.last.get(stream);
    if (prev !== undefined && prev.at > at) return;
    this.last.set(stream, { at, cadenceMs });
    this.metrics?.streamLastMessage.set({ stream }, at / 1000);
  }

  /** The monitor input at `now`, refreshing the freshness gauge on the way. */
  streams(now: number): { stream: string; lastMessageAt: number; cadenceMs: number }[] {
    return [...this.last].map(([stream, s]) => {
      this.metrics?.streamFreshness.set({ stream }, Math.max(0, (now - s.at - s.cadenceMs) / 1000));
      return { stream, lastMessageAt: s.at, cadenceMs: s.cadenceMs };
    });
  }
}
