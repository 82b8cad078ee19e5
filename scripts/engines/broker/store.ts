/**
 * Broker metadata on disk: `topics.json` (rewritten atomically on every change; changes are rare) and
 * `offsets.jsonl` (one committed offset per line, appended and fsynced with the log files, compacted on start).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { syncDir, type Syncable } from './sync.ts';

export interface TopicRecord {
  partitions: number;
  configs: Record<string, string>;
}

export function loadTopics(dataDir: string): Map<string, TopicRecord> {
  const path = join(dataDir, 'topics.json');
  if (!existsSync(path)) return new Map();
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, TopicRecord>;
  return new Map(Object.entries(parsed));
}

export function saveTopics(dataDir: string, topics: Map<string, TopicRecord>): void {
  const path = join(dataDir, 'topics.json');
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(Object.fromEntries(topics), null, 1));
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
  syncDir(dataDir);
}

export interface CommittedOffset {
  offset: number;
  metadata: string | null;
}

interface OffsetLine { g: string; t: string; p: number; o: number; m: string | null }

/** group -> "topic\0partition" -> offset */
export type OffsetTable = Map<string, Map<string, CommittedOffset>>;

export const offsetKey = (topic: string, partition: number): string => `${topic}\0${partition}`;

export class OffsetStore implements Syncable {
  fd: number;
  inflight = 0;
  readonly table: OffsetTable = new Map();
  private readonly path: string;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, 'offsets.jsonl');
    if (existsSync(this.path)) {
      for (const line of readFileSync(this.path, 'utf8').split('\n')) {
        if (!line) continue;
        let rec: OffsetLine;
        try {
          rec = JSON.parse(line) as OffsetLine;
        } catch {
          break; // torn last line from a crash mid-append: everything acknowledged before it is intact
        }
        this.set(rec.g, rec.t, rec.p, rec.o < 0 ? null : { offset: rec.o, metadata: rec.m });
      }
    }
    // Rewrite compacted so the file does not grow without bound across restarts.
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, this.lines().join(''));
    const tfd = openSync(tmp, 'r');
    fsyncSync(tfd);
    closeSync(tfd);
    renameSync(tmp, this.path);
    syncDir(dataDir);
    this.fd = openSync(this.path, 'a');
  }

  private lines(): string[] {
    const out: string[] = [];
    for (const [g, parts] of this.table) {
      for (const [k, v] of parts) {
        const [t, p] = k.split('\0') as [string, string];
        out.push(`${JSON.stringify({ g, t, p: Number(p), o: v.offset, m: v.metadata })}\n`);
      }
    }
    return out;
  }

  private set(group: string, topic: string, partition: number, value: CommittedOffset | null): void {
    let parts = this.table.get(group);
    if (!parts) this.table.set(group, (parts = new Map()));
    if (value) parts.set(offsetKey(topic, partition), value);
    else parts.delete(offsetKey(topic, partition));
    if (parts.size === 0) this.table.delete(group);
  }

  /** Records commits in memory and appends them to the file; the caller syncs before answering. */
  commit(group: string, entries: Array<{ topic: string; partition: number; offset: number; metadata: string | null }>): void {
    let text = '';
    for (const e of entries) {
      this.set(group, e.topic, e.partition, { offset: e.offset, metadata: e.metadata });
      text += `${JSON.stringify({ g: group, t: e.topic, p: e.partition, o: e.offset, m: e.metadata })}\n`;
    }
    if (text) writeSync(this.fd, text);
  }

  /** Forgets every group's offsets of a deleted topic. */
  dropTopic(topic: string): void {
    let text = '';
    for (const [g, parts] of this.table) {
      for (const k of [...parts.keys()]) {
        if (!k.startsWith(`${topic}\0`)) continue;
        const p = Number(k.split('\0')[1]);
        this.set(g, topic, p, null);
        text += `${JSON.stringify({ g, t: topic, p, o: -1, m: null })}\n`;
      }
    }
    if (text) writeSync(this.fd, text);
  }

  get(group: string): Map<string, CommittedOffset> | undefined {
    return this.table.get(group);
  }

  close(): void {
    closeSync(this.fd);
  }
}
