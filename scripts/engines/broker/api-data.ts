/** ApiVersions, Metadata, Produce, Fetch and ListOffsets. */
import { Writer, type Reader } from './codec.ts';
import { CLUSTER_ID, NODE_ID, topicFor, type RequestContext } from './core.ts';
import type { PartitionLog } from './log.ts';
import { checkBatches } from './records.ts';
import type { Syncable } from './sync.ts';
import { ERR_UNKNOWN_TOPIC } from './topics-state.ts';

const ERR_OFFSET_OUT_OF_RANGE = 1;
const ERR_INVALID_REQUIRED_ACKS = 21;
const ERR_KAFKA_STORAGE = 56;

export function metadata(ctx: RequestContext, r: Reader): Writer {
  const v = ctx.version;
  const requested = v === 0 ? r.arr((x) => x.str()) : r.narr((x) => { const n = x.str(); x.tags(); return n; });
  const allowAuto = v >= 4 ? r.bool() : true;
  const all = requested === null || (v === 0 && requested.length === 0);
  const names = all ? [...ctx.core.catalog.topics.keys()] : requested;
  const w = new Writer(ctx.flexible);
  if (v >= 3) w.i32(0);
  w.arrLen(1).i32(NODE_ID).str(ctx.core.host).i32(ctx.core.port);
  if (v >= 1) w.nstr(null);
  w.tags();
  if (v >= 2) w.nstr(CLUSTER_ID);
  if (v >= 1) w.i32(NODE_ID);
  w.arrLen(names.length);
  for (const name of names) {
    const t = topicFor(ctx.core, name, allowAuto);
    w.i16(t ? 0 : ERR_UNKNOWN_TOPIC).str(name);
    if (v >= 1) w.bool(false);
    const count = t?.partitions.length ?? 0;
    w.arrLen(count);
    for (let p = 0; p < count; p++) {
      w.i16(0).i32(p).i32(NODE_ID);
      if (v >= 7) w.i32(0);
      w.arrLen(1).i32(NODE_ID).arrLen(1).i32(NODE_ID);
      if (v >= 5) w.arrLen(0);
      w.tags();
    }
    if (v >= 8) w.i32(-2147483648);
    w.tags();
  }
  if (v >= 8) w.i32(-2147483648);
  return w.tags();
}

interface ProducePart { index: number; error: number; baseOffset: number; logStart: number; message: string | null }

export async function produce(ctx: RequestContext, r: Reader): Promise<Writer | null> {
  const v = ctx.version;
  r.nstr(); // transactional_id: transactions are out of scope
  const acks = r.i16();
  r.i32(); // timeout_ms
  const toSync = new Set<Syncable>();
  const topics = r.arr((x) => {
    const name = x.str();
    const t = topicFor(ctx.core, name, true);
    const parts = x.arr((y): ProducePart => {
      const index = y.i32();
      const records = y.nbytes();
      y.tags();
      const log = t?.partitions[index];
      if (!log) return { index, error: ERR_UNKNOWN_TOPIC, baseOffset: -1, logStart: -1, message: `unknown topic or partition ${name}[${index}]` };
      if (acks !== 0 && acks !== 1 && acks !== -1) return { index, error: ERR_INVALID_REQUIRED_ACKS, baseOffset: -1, logStart: -1, message: 'acks must be 0, 1 or -1' };
      const check = checkBatches(records ?? Buffer.alloc(0));
      if (!check.ok) {
        ctx.core.log(`produce to ${name}[${index}] refused: ${check.reason}`);
        return { index, error: check.error, baseOffset: -1, logStart: -1, message: check.reason };
      }
      try {
        const { baseOffset, segment } = log.append(records as Buffer, check.batches, 0);
        toSync.add(segment);
        return { index, error: 0, baseOffset, logStart: log.logStart, message: null };
      } catch (error) {
        ctx.core.log(`append to ${name}[${index}] failed: ${(error as Error).message}`);
        return { index, error: ERR_KAFKA_STORAGE, baseOffset: -1, logStart: -1, message: 'storage error' };
      }
    });
    x.tags();
    return { name, parts };
  });
  if (acks === 0) return null;
  if (acks === -1 && toSync.size > 0) {
    try {
      await ctx.core.syncer.sync(toSync);
    } catch (error) {
      ctx.core.log(`fdatasync failed: ${(error as Error).message}`);
      for (const t of topics) for (const p of t.parts) if (p.error === 0) p.error = ERR_KAFKA_STORAGE;
    }
  }
  const w = new Writer(ctx.flexible);
  w.arr(topics, (w1, t) => {
    w1.str(t.name).arr(t.parts, (w2, p) => {
      w2.i32(p.index).i16(p.error).i64(p.baseOffset);
      if (v >= 2) w2.i64(-1);
      if (v >= 5) w2.i64(p.logStart);
      if (v >= 8) w2.arrLen(0).nstr(p.message);
      w2.tags();
    });
    w1.tags();
  });
  if (v >= 1) w.i32(0);
  return w.tags();
}

interface FetchPart { index: number; offset: number; maxBytes: number }

export async function fetch(ctx: RequestContext, r: Reader): Promise<Writer> {
  const v = ctx.version;
  r.i32(); // replica_id
  const maxWait = r.i32();
  const minBytes = r.i32();
  const maxBytes = v >= 3 ? r.i32() : 0x7fffffff;
  if (v >= 4) r.i8();
  if (v >= 7) { r.i32(); r.i32(); }
  const topics = r.arr((x) => {
    const name = x.str();
    const parts = x.arr((y): FetchPart => {
      const index = y.i32();
      if (v >= 9) y.i32();
      const offset = y.i64();
      if (v >= 12) y.i32();
      if (v >= 5) y.i64();
      const pmax = y.i32();
      y.tags();
      return { index, offset, maxBytes: pmax };
    });
    x.tags();
    return { name, parts };
  });
  const deadline = Date.now() + Math.max(0, maxWait);
  for (;;) {
    const result = collect(ctx, topics, maxBytes);
    const remaining = deadline - Date.now();
    if (result.bytes >= minBytes || result.error || remaining <= 0 || ctx.core.stopped) return encodeFetch(ctx, result.rows);
    await waitForAppend(ctx, result.logs, remaining);
  }
}

interface FetchRow { name: string; parts: Array<{ index: number; error: number; hw: number; logStart: number; records: Buffer | null }> }

function collect(ctx: RequestContext, topics: Array<{ name: string; parts: FetchPart[] }>, maxBytes: number): { rows: FetchRow[]; bytes: number; error: boolean; logs: PartitionLog[] } {
  let bytes = 0;
  let error = false;
  const logs: PartitionLog[] = [];
  const rows = topics.map((t) => {
    const topic = ctx.core.catalog.topics.get(t.name);
    return {
      name: t.name,
      parts: t.parts.map((p) => {
        const log = topic?.partitions[p.index];
        if (!log) {
          error = true;
          return { index: p.index, error: ERR_UNKNOWN_TOPIC, hw: -1, logStart: -1, records: null };
        }
        logs.push(log);
        if (p.offset > log.logEnd || p.offset < log.logStart) {
          error = true;
          return { index: p.index, error: ERR_OFFSET_OUT_OF_RANGE, hw: log.logEnd, logStart: log.logStart, records: null };
        }
        const room = Math.min(p.maxBytes, maxBytes - bytes);
        const records = room > 0 || bytes === 0 ? log.read(p.offset, Math.max(room, 1)) : null;
        bytes += records?.length ?? 0;
        return { index: p.index, error: 0, hw: log.logEnd, logStart: log.logStart, records };
      }),
    };
  });
  return { rows, bytes, error, logs };
}

function waitForAppend(ctx: RequestContext, logs: PartitionLog[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const cancels: Array<() => void> = [];
    const done = (): void => {
      clearTimeout(timer);
      for (const c of cancels) c();
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const log of logs) cancels.push(log.onAppend(done));
    cancels.push(ctx.core.onStop(done));
  });
}

function encodeFetch(ctx: RequestContext, rows: FetchRow[]): Writer {
  const v = ctx.version;
  const w = new Writer(ctx.flexible);
  if (v >= 1) w.i32(0);
  if (v >= 7) w.i16(0).i32(0);
  w.arr(rows, (w1, t) => {
    w1.str(t.name).arr(t.parts, (w2, p) => {
      w2.i32(p.index).i16(p.error).i64(p.hw);
      if (v >= 4) w2.i64(p.hw);
      if (v >= 5) w2.i64(p.logStart);
      if (v >= 4) w2.arrLen(0);
      if (v >= 11) w2.i32(-1);
      w2.nbytes(p.records ?? (v >= 12 ? null : Buffer.alloc(0)));
      w2.tags();
    });
    w1.tags();
  });
  return w.tags();
}

export function listOffsets(ctx: RequestContext, r: Reader): Writer {
  const v = ctx.version;
  r.i32();
  if (v >= 2) r.i8();
  const topics = r.arr((x) => {
    const name = x.str();
    const topic = ctx.core.catalog.topics.get(name);
    const parts = x.arr((y) => {
      const index = y.i32();
      if (v >= 4) y.i32();
      const ts = y.i64();
      if (v === 0) y.i32();
      y.tags();
      const log = topic?.partitions[index];
      if (!log) return { index, error: ERR_UNKNOWN_TOPIC, ts: -1, offset: -1 };
      if (ts === -1) return { index, error: 0, ts: -1, offset: log.logEnd };
      if (ts === -2) return { index, error: 0, ts: -1, offset: log.logStart };
      const found = log.offsetForTimestamp(ts);
      return { index, error: 0, ts: found === null ? -1 : ts, offset: found ?? -1 };
    });
    x.tags();
    return { name, parts };
  });
  const w = new Writer(ctx.flexible);
  if (v >= 2) w.i32(0);
  w.arr(topics, (w1, t) => {
    w1.str(t.name).arr(t.parts, (w2, p) => {
      w2.i32(p.index).i16(p.error);
      if (v === 0) w2.arr(p.offset >= 0 ? [p.offset] : [], (w3, o) => w3.i64(o));
      else w2.i64(p.ts).i64(p.offset);
      if (v >= 4) w2.i32(0);
      w2.tags();
    });
    w1.tags();
  });
  return w.tags();
}
