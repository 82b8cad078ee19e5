import { Mapping } from './bloblang.ts';
import type { ComponentConf } from './config.ts';
import type { Message } from './message.ts';
import { parseDuration } from './units.ts';

export interface BatchPolicyConf {
  count: number;
  byte_size: number;
  period: string;
  check: string;
  processors?: ComponentConf[];
}

/** A batching policy: flush when count, byte_size or check says so; `period` is handled by the owner's timer. */
export class BatchPolicy {
  readonly periodMs: number;
  private readonly check: Mapping | null;
  private count = 0;
  private bytes = 0;

  constructor(private readonly conf: BatchPolicyConf) {
    this.periodMs = conf.period === '' ? 0 : parseDuration(conf.period);
    this.check = conf.check.trim() === '' ? null : Mapping.parse(conf.check);
  }

  /** True when a policy is configured at all (all-zero policies pass batches through as they come). */
  get isActive(): boolean {
    return this.conf.count > 0 || this.conf.byte_size > 0 || this.periodMs > 0 || this.check !== null;
  }

  /** Records added messages; true when the batch should now be flushed. */
  add(messages: Message[]): boolean {
    let flush = false;
    for (const m of messages) {
      this.count++;
      this.bytes += m.content.length;
      if (this.check !== null) {
        try {
          if (this.check.check(m)) flush = true;
        } catch {
          // A failing check does not end the batch, as in Connect.
        }
      }
    }
    return flush || (this.conf.count > 0 && this.count >= this.conf.count) || (this.conf.byte_size > 0 && this.bytes >= this.conf.byte_size);
  }

  reset(): void {
    this.count = 0;
    this.bytes = 0;
  }
}

/**
 * Accumulates items under a policy and hands the group to `flush`; each `add` resolves with the outcome of the flush
 * that carried its messages, so acknowledgements stay tied to delivery.
 */
export class Accumulator<T extends { messages: Message[] }> {
  private pending: T[] = [];
  private waiters: Array<(error?: Error) => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly policy: BatchPolicy, private readonly flushGroup: (items: T[]) => Promise<void>) {}

  add(item: T): Promise<Error | undefined> {
    return new Promise((resolve) => {
      this.pending.push(item);
      this.waiters.push(resolve);
      if (this.policy.add(item.messages) || !this.policy.isActive) void this.flush();
      else if (this.timer === undefined && this.policy.periodMs > 0) this.timer = setTimeout(() => void this.flush(), this.policy.periodMs);
    });
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const items = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    this.policy.reset();
    if (items.length === 0) return;
    let outcome: Error | undefined;
    try {
      await this.flushGroup(items);
    } catch (error) {
      outcome = error as Error;
    }
    for (const w of waiters) w(outcome);
  }
}
