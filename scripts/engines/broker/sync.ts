import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';

/** Something with an open file descriptor whose writes must reach the disk before an acks=-1 answer. */
export interface Syncable {
  fd: number;
  /** fdatasync calls running on this fd; the cleaner leaves such files alone. */
  inflight: number;
}

/**
 * Coalesces fdatasync across concurrent requests: every request that asks while a round is pending waits for the same
 * round, so N concurrent acks=-1 produces cost one fdatasync per touched file, not N.
 */
export class SyncBatcher {
  private pending = new Set<Syncable>();
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private running = false;

  sync(files: Iterable<Syncable>): Promise<void> {
    for (const f of files) this.pending.add(f);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.round());
      }
    });
  }

  private async round(): Promise<void> {
    while (this.waiters.length > 0) {
      const files = [...this.pending];
      const waiters = this.waiters;
      this.pending = new Set();
      this.waiters = [];
      try {
        await Promise.all(files.map((f) => syncOne(f)));
        for (const w of waiters) w.resolve();
      } catch (error) {
        for (const w of waiters) w.reject(error as Error);
      }
    }
    this.running = false;
  }
}

function syncOne(f: Syncable): Promise<void> {
  f.inflight++;
  return new Promise((resolve, reject) => {
    fdatasync(f.fd, (err) => {
      f.inflight--;
      if (err) reject(err);
      else resolve();
    });
  });
}

/** fsyncs a directory so file creations and renames in it survive a crash. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
