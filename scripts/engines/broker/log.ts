/**
 * One partition's log: append-only segment files named by base offset (`00000000000000000000.log`), each holding
 * concatenated RecordBatch v2 bytes exactly as Kafka stores them on disk. The batch index lives in memory and is
 * rebuilt from the files on start; a torn tail (partial or corrupt last batch) is truncated.
 */
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { compressionOf, readStoredBatch, rebuildBatch, recordsOf, type BatchInfo, type RecordView } from './records.ts';
import { syncDir, type Syncable } from './sync.ts';

export interface LogConfig {
  segmentBytes: number;
  retentionMs: number;
  retentionBytes: number;
  compact: boolean;
  delete: boolean;
}

export class Segment implements Syncable {
  fd: number;
  inflight = 0;
  size = 0;
  /** Per batch: base offset, last offset, file position, byte size, max timestamp. */
  bases: number[] = [];
  lasts: number[] = [];
  positions: number[] = [];
  sizes: number[] = [];
  maxTs: number[] = [];
  constructor(readonly base: number, readonly path: string) {
    this.fd = openSync(path, 'a+');
  }
  get maxTimestamp(): number {
    let m = -1;
    for (const t of this.maxTs) if (t > m) m = t;
    return m;
  }
  push(base: number, last: number, size: number, maxTs: number): void {
    this.bases.push(base);
    this.lasts.push(last);
    this.positions.push(this.size);
    this.sizes.push(size);
    this.maxTs.push(maxTs);
    this.size += size;
  }
  /** Index of the first batch whose last offset is >= offset, or -1. */
  batchFor(offset: number): number {
    let lo = 0;
    let hi = this.lasts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.lasts[mid] as number) >= offset) {
        found = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    return found;
  }
  readRange(from: number, to: number): Buffer {
    const start = this.positions[from] as number;
    const end = (this.positions[to] as number) + (this.sizes[to] as number);
    const buf = Buffer.allocUnsafe(end - start);
    let done = 0;
    while (done < buf.length) {
      const n = readSync(this.fd, buf, done, buf.length - done, start + done);
      if (n === 0) break;
      done += n;
    }
    return buf;
  }
  readBatch(i: number): Buffer {
    return this.readRange(i, i);
  }
}

const segmentName = (base: number): string => `${String(base).padStart(20, '0')}.log`;

export class PartitionLog {
  segments: Segment[] = [];
  logEnd = 0;
  private waiters = new Set<() => void>();
  /** Compaction has nothing new to do until something is appended (or the broker restarts). */
  private appendedSinceCompaction = true;

  constructor(readonly dir: string, public config: LogConfig, private readonly warn: (msg: string) => void) {
    mkdirSync(dir, { recursive: true });
    this.load();
  }

  /** Only retention moves the log start (to the next segment's base); compaction leaves gaps but keeps it. */
  get logStart(): number {
    return this.segments[0]?.base ?? this.logEnd;
  }

  get active(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  get sizeBytes(): number {
    return this.segments.reduce((s, seg) => s + seg.size, 0);
  }

  private load(): void {
    const files = readdirSync(this.dir).filter((f) => /^\d{20}\.log$/.test(f)).sort();
    for (const f of readdirSync(this.dir)) if (f.endsWith('.cleaned')) rmSync(join(this.dir, f), { force: true });
    for (const file of files) {
      const seg = new Segment(Number(file.slice(0, 20)), join(this.dir, file));
      const data = readFileSync(seg.path);
      let pos = 0;
      while (pos < data.length) {
        const b = readStoredBatch(data, pos);
        if (!b) break;
        seg.push(b.baseOffset, b.baseOffset + b.lastOffsetDelta, b.size, b.maxTimestamp);
        pos += b.size;
      }
      if (pos < data.length) {
        this.warn(`${seg.path}: truncating torn tail of ${data.length - pos} bytes at position ${pos}`);
        ftruncateSync(seg.fd, pos);
        fsyncSync(seg.fd);
      }
      this.segments.push(seg);
      const last = seg.lasts[seg.lasts.length - 1];
      this.logEnd = last === undefined ? Math.max(this.logEnd, seg.base) : last + 1;
    }
    if (this.segments.length === 0) this.newSegment(0);
  }

  /**
   * Appends a validated produce payload (one or more batches, contiguous in `buf`): assigns offsets by patching each
   * batch's baseOffset in place, writes it, and wakes long-polling fetches. Returns the first offset and the file to sync.
   */
  append(buf: Buffer, batches: BatchInfo[], leaderEpoch: number): { baseOffset: number; segment: Segment } {
    if (this.active.size > 0 && this.active.size + buf.length > this.config.segmentBytes) this.roll();
    const seg = this.active;
    const baseOffset = this.logEnd;
    let pos = 0;
    for (const b of batches) {
      buf.writeBigInt64BE(BigInt(this.logEnd), pos);
      buf.writeInt32BE(leaderEpoch, pos + 12);
      seg.push(this.logEnd, this.logEnd + b.lastOffsetDelta, b.size, b.maxTimestamp);
      this.logEnd += b.lastOffsetDelta + 1;
      pos += b.size;
    }
    this.appendedSinceCompaction = true;
    let written = 0;
    while (written < buf.length) written += writeSync(seg.fd, buf, written, buf.length - written);
    this.wake();
    return { baseOffset, segment: seg };
  }

  private roll(): void {
    fsyncSync(this.active.fd);
    this.newSegment(this.logEnd);
  }

  /** A new segment file, with its directory entry made durable so acknowledged data in it survives a crash. */
  private newSegment(base: number): void {
    this.segments.push(new Segment(base, join(this.dir, segmentName(base))));
    syncDir(this.dir);
  }

  /** Whole stored batches starting with the one holding `offset`, up to `maxBytes` (always at least one batch). */
  read(offset: number, maxBytes: number): Buffer | null {
    if (offset >= this.logEnd) return null;
    for (let s = this.segmentIndexFor(offset); s < this.segments.length; s++) {
      const seg = this.segments[s] as Segment;
      const first = seg.batchFor(offset);
      if (first < 0) continue;
      let last = first;
      let bytes = seg.sizes[first] as number;
      while (last + 1 < seg.sizes.length && bytes + (seg.sizes[last + 1] as number) <= maxBytes) {
        last++;
        bytes += seg.sizes[last] as number;
      }
      return seg.readRange(first, last);
    }
    return null;
  }

  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.segments[mid] as Segment).base <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** ListOffsets by timestamp: the first offset whose record timestamp is >= ts (record-exact for uncompressed batches), or null. */
  offsetForTimestamp(ts: number): number | null {
    for (const seg of this.segments) {
      for (let i = 0; i < seg.bases.length; i++) {
        if ((seg.maxTs[i] as number) < ts) continue;
        const batch = seg.readBatch(i);
        const records = decodableRecords(batch);
        const hit = records?.find((r) => r.timestamp >= ts);
        return hit ? hit.offset : (seg.bases[i] as number);
      }
    }
    return null;
  }

  /** Calls `fn` once, on the next append (or never); returns a cancel function. */
  onAppend(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  private wake(): void {
    if (this.waiters.size === 0) return;
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }

  /** Applies retention (time, then size) by deleting whole closed segments; never the active one. */
  applyRetention(now: number): number {
    let deleted = 0;
    const closed = (): Segment[] => this.segments.slice(0, -1);
    if (this.config.retentionMs >= 0) {
      for (const seg of closed()) {
        if (seg !== this.segments[0] || seg.inflight > 0) break;
        if (seg.bases.length > 0 && now - seg.maxTimestamp <= this.config.retentionMs) break;
        this.dropFirst();
        deleted++;
      }
    }
    if (this.config.retentionBytes >= 0) {
      let excess = this.sizeBytes - this.config.retentionBytes;
      for (const seg of closed()) {
        if (excess - seg.size < 0 || seg.inflight > 0) break;
        excess -= seg.size;
        this.dropFirst();
        deleted++;
      }
    }
    return deleted;
  }

  private dropFirst(): void {
    const seg = this.segments.shift() as Segment;
    closeSync(seg.fd);
    rmSync(seg.path, { force: true });
  }

  /**
   * Compaction keeps the latest record per key. The key map spans the whole log; only closed segments are rewritten.
   * Uncompressed batches are filtered record by record (surviving records copied byte for byte, offsets kept, CRC
   * recomputed). A compressed batch is never re-compressed: it is dropped only when every record in it is superseded
   * (gzip is opened to learn its keys), otherwise kept whole; batches with codecs we cannot open are kept whole and
   * their keys ignored, which can only retain more, never lose a latest value. Tombstones that are the latest for their
   * key are kept, so consumers always learn about deletions.
   */
  compact(): number {
    if (!this.appendedSinceCompaction) return 0;
    this.appendedSinceCompaction = false;
    const latest = new Map<string, number>();
    for (const seg of this.segments) {
      for (let i = 0; i < seg.bases.length; i++) {
        for (const r of decodableRecords(seg.readBatch(i)) ?? []) if (r.key) latest.set(r.key.toString('latin1'), r.offset);
      }
    }
    let removed = 0;
    for (let s = 0; s < this.segments.length - 1; s++) {
      const seg = this.segments[s] as Segment;
      if (seg.inflight > 0) {
        this.appendedSinceCompaction = true; // retry next round
        continue;
      }
      const out: Buffer[] = [];
      let changed = false;
      for (let i = 0; i < seg.bases.length; i++) {
        const batch = seg.readBatch(i);
        const records = decodableRecords(batch);
        if (!records) {
          out.push(batch);
          continue;
        }
        const keep = records.filter((r) => !r.key || latest.get(r.key.toString('latin1')) === r.offset);
        if (keep.length === records.length || (keep.length > 0 && compressionOf(batch) !== 0)) {
          out.push(batch);
          continue;
        }
        if (keep.length > 0) out.push(rebuildBatch(batch, keep));
        removed += records.length - keep.length;
        changed = true;
      }
      if (changed) this.segments[s] = this.rewrite(seg, out);
    }
    return removed;
  }

  private rewrite(seg: Segment, batches: Buffer[]): Segment {
    const tmp = `${seg.path}.cleaned`;
    const fd = openSync(tmp, 'w');
    for (const b of batches) writeSync(fd, b);
    fsyncSync(fd);
    closeSync(fd);
    closeSync(seg.fd);
    renameSync(tmp, seg.path);
    const fresh = new Segment(seg.base, seg.path);
    for (const b of batches) fresh.push(Number(b.readBigInt64BE(0)), Number(b.readBigInt64BE(0)) + b.readInt32BE(23), b.length, Number(b.readBigInt64BE(35)));
    return fresh;
  }

  close(): void {
    for (const seg of this.segments) closeSync(seg.fd);
    this.wake();
  }

  /** Removes the partition's files (DeleteTopics). */
  destroy(): void {
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Records of a batch we can open (uncompressed or gzip), or null. */
function decodableRecords(batch: Buffer): RecordView[] | null {
  const codec = compressionOf(batch);
  try {
    if (codec === 0) return recordsOf(batch);
    if (codec === 1) return recordsOf(batch, gunzipSync(batch.subarray(61)));
  } catch {
    return null;
  }
  return null;
}
