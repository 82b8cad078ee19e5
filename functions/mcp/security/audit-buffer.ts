/**
 * Audit records kept off the answer's path. A call queues its record; the buffer digests the arguments and writes
 * everything queued as one batch `flushMs` after the first record, at once when `batchSize` records wait, and on
 * flush/close. A failed write keeps its records, in order, ahead of anything queued later and retries them on the next
 * turn, so no record is ever dropped; while `maxBacklog` records wait unwritten (the store is down or behind), `full()`
 * says so and the gate refuses tool calls rather than serve them unaudited.
 */
import { AppError } from '../../lib/errors.ts';
import { canonicalJson, sha256Hex } from '../digest.ts';
import type { AuditEntry, AuditLogPort } from '../ports.ts';

export interface AuditBufferOptions {
  /** Longest a queued record waits before its batch is written. */
  flushMs: number;
  /** A batch is written as soon as this many records wait; also the most rows per statement. */
  batchSize: number;
  /** Records allowed to wait unwritten before `full()` says so. */
  maxBacklog: number;
  /** Where a failed background write is reported (its records stay queued and are retried). */
  onError: (error: unknown) => void;
}

/** One call to record: the arguments are digested when the batch is written, not while the call is answered. */
export type AuditRecord = Omit<AuditEntry, 'argsDigest'> & { args: unknown };

export interface AuditBuffer {
  /** Queues one record, in call order. */
  add(record: AuditRecord): void;
  /** Queues the record `pending` resolves to (an answer still streaming); flush and close wait for it. */
  addWhenReady(pending: Promise<AuditRecord>): void;
  /** Records not yet written: queued, waiting for their outcome, or waiting for a retry. */
  backlog(): number;
  /** True while `maxBacklog` records wait unwritten. */
  full(): boolean;
  /** Writes everything queued (after the records `addWhenReady` waits for); rejects if a write fails. */
  flush(): Promise<void>;
  /** Stops the timer and flushes; rejects with AUDIT_FLUSH_FAILED if records could not be written (close again to retry). */
  close(): Promise<void>;
}

export function argsDigest(args: unknown): Promise<string> {
  return sha256Hex(canonicalJson(args ?? {}));
}

async function entryOf({ args, ...rest }: AuditRecord): Promise<AuditEntry> {
  // Arguments come from JSON.parse, so digesting cannot fail; if it ever did, the call is still recorded.
  const digest = await argsDigest(args).catch(() => 'undigestable');
  return { ...rest, argsDigest: digest };
}

export function createAuditBuffer(port: AuditLogPort, opts: AuditBufferOptions): AuditBuffer {
  /** Entries whose write failed, in order: written before anything queued after them. */
  let failed: AuditEntry[] = [];
  let queued: AuditRecord[] = [];
  const waiting = new Set<Promise<void>>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Write turns run one after another, so rows keep the order of the calls. */
  let writing: Promise<void> = Promise.resolve();
  let closed = false;

  /** Unwritten records, counting those still waiting for their outcome (they hold memory too). */
  const backlog = (): number => failed.length + queued.length + waiting.size;

  /** Set by a failed write, cleared by a successful one: while set, retries wait flushMs instead of hammering the store. */
  let failing = false;

  const writeTurn = (): Promise<void> => {
    const turn = writing.then(async () => {
      const records = queued;
      queued = [];
      let pending = [...failed, ...(await Promise.all(records.map(entryOf)))];
      failed = [];
      while (pending.length > 0) {
        const batch = pending.slice(0, opts.batchSize);
        try {
          await port.recordBatch(batch);
        } catch (error) {
          // This batch and everything after it, still in order (turns run one at a time, so nothing else wrote here).
          failed = pending;
          failing = true;
          throw error;
        }
        pending = pending.slice(batch.length);
      }
      failing = false;
    });
    writing = turn.catch(() => undefined);
    return turn;
  };

  const arm = (): void => {
    const now = !failing && backlog() >= opts.batchSize;
    if (closed || (timer !== undefined && !now)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      writeTurn().catch((error: unknown) => {
        opts.onError(error);
        arm();
      });
    }, now ? 0 : opts.flushMs);
  };

  const flush = async (): Promise<void> => {
    while (waiting.size > 0) await Promise.all([...waiting]);
    clearTimeout(timer);
    timer = undefined;
    await writeTurn();
  };

  return {
    add(record) {
      queued.push(record);
      arm();
    },
    addWhenReady(pending) {
      const done = pending.then((record) => {
        queued.push(record);
        arm();
      }, opts.onError);
      waiting.add(done);
      void done.finally(() => waiting.delete(done));
    },
    backlog,
    full: () => backlog() >= opts.maxBacklog,
    flush,
    async close() {
      closed = true;
      try {
        await flush();
      } catch (error) {
        throw new AppError('AUDIT_FLUSH_FAILED', `${backlog()} audit records could not be written (${error instanceof Error ? error.message : String(error)}); `
          + 'check the audit store, then close again to retry', { status: 503 });
      }
    },
  };
}
