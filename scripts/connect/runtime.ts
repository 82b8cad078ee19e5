import type { ComponentConf, StreamConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { Message } from './message.ts';
import type { Metrics } from './metrics.ts';
import type { HttpServers } from './server.ts';

/** What every component gets: the logger, the counters, the stream's resources and the hard-stop signal. */
export interface Ctx {
  log: Logger;
  metrics: Metrics;
  resources: StreamConfig['resources'];
  /** Aborted when shutdown_timeout expires: endless retries give up so the in-flight batch is nacked, not lost. */
  signal: AbortSignal;
  servers: HttpServers;
  /** The `http.address` of the service server, where `http_server` inputs with an empty address register. */
  serviceAddress: string;
}

export interface Processor {
  process(batch: Message[]): Promise<Message[]>;
  close?(): Promise<void>;
}

export interface Output {
  write(batch: Message[]): Promise<void>;
  close(): Promise<void>;
}

/** A batch from an input with the callback that acknowledges (no error) or rejects (error) it once delivered. */
export interface Delivery {
  batch: Message[];
  ack(error?: Error): void;
}

export interface Input {
  /**
   * Resolves once the input takes data (an http_server input is listening); rejects when it cannot, with the reason.
   * Absent: ready at once. The stream reports itself started only after this.
   */
  ready?: Promise<void>;
  /** Next batch, or null once the input has ended (or was stopped) and everything was handed out. */
  read(): Promise<Delivery | null>;
  /** Stops producing new batches; batches already handed out can still be acknowledged. */
  stop(): Promise<void>;
  /** Releases the input after the in-flight batches were acknowledged (a Kafka input commits here). */
  close(): Promise<void>;
}

/** Errors that belong to some messages of a batch only, so `fallback` can forward just those. */
export class BatchError extends Error {
  constructor(message: string, readonly failed: Map<number, string>) {
    super(message);
    this.name = 'BatchError';
  }
}

/** The label or `kind.name` a component's metrics and logs are reported under. */
export function componentId(conf: ComponentConf, path: string): string {
  return conf.label ?? `${path}.${conf.name}`;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A queue with back-pressure: `push` resolves only once a reader took the item. */
export class HandOff<T> {
  private readonly items: Array<{ item: T; taken: (accepted: boolean) => void }> = [];
  private readonly readers: Array<(v: T | null) => void> = [];
  private ended = false;

  /** Resolves true once a reader took the item, false when the queue ended first. */
  push(item: T): Promise<boolean> {
    return new Promise((taken) => {
      if (this.ended) return taken(false);
      const reader = this.readers.shift();
      if (reader !== undefined) {
        reader(item);
        taken(true);
      } else this.items.push({ item, taken });
    });
  }

  read(): Promise<T | null> {
    const next = this.items.shift();
    if (next !== undefined) {
      next.taken(true);
      return Promise.resolve(next.item);
    }
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => this.readers.push(resolve));
  }

  /** No more items: pending readers get null and items nobody took are refused. */
  end(): void {
    this.ended = true;
    for (const r of this.readers.splice(0)) r(null);
    for (const i of this.items.splice(0)) i.taken(false);
  }
}

/**
 * Hands a batch to the stream and waits for its outcome; with `autoReplayNacks` a rejected batch is offered again
 * (after a pause) until it is delivered, which is Connect's default at-least-once behaviour.
 */
export async function deliverUntilDone(queue: HandOff<Delivery>, make: () => Message[], autoReplayNacks: boolean, log: Logger, signal: AbortSignal): Promise<Error | undefined> {
  for (let attempt = 0; ; attempt++) {
    const outcome = await new Promise<Error | undefined>((resolve) => {
      void queue.push({ batch: make(), ack: (error) => resolve(error) }).then((accepted) => {
        if (!accepted) resolve(new Error('stream stopped before the batch was read'));
      });
    });
    if (outcome?.message === 'stream stopped before the batch was read') return outcome;
    if (outcome === undefined || !autoReplayNacks || signal.aborted) return outcome;
    log.warn(`batch rejected, replaying: ${outcome.message}`);
    await sleep(Math.min(1000, 50 * 2 ** attempt), signal);
  }
}
