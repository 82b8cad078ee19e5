/** FindCoordinator, the group membership APIs and committed offsets. */
import { Writer, type Reader } from './codec.ts';
import { NODE_ID, type RequestContext } from './core.ts';
import { offsetKey } from './store.ts';
import { ERR_UNKNOWN_TOPIC } from './topics-state.ts';

const ERR_KAFKA_STORAGE = 56;

/** This node coordinates every group; v4+ batches the keys. */
export function findCoordinator(ctx: RequestContext, r: Reader): Writer {
  const v = ctx.version;
  const w = new Writer(ctx.flexible);
  if (v >= 4) {
    r.i8();
    const keys = r.arr((x) => x.str());
    w.i32(0).arr(keys, (w1, key) => w1.str(key).i32(NODE_ID).str(ctx.core.host).i32(ctx.core.port).i16(0).nstr(null).tags());
    return w.tags();
  }
  r.str();
  if (v >= 1) r.i8();
  if (v >= 1) w.i32(0);
  w.i16(0);
  if (v >= 1) w.nstr(null);
  w.i32(NODE_ID).str(ctx.core.host).i32(ctx.core.port);
  return w.tags();
}

export async function joinGroup(ctx: RequestContext, r: Reader): Promise<Writer> {
  const v = ctx.version;
  const groupId = r.str();
  const sessionTimeoutMs = r.i32();
  const rebalanceTimeoutMs = v >= 1 ? r.i32() : sessionTimeoutMs;
  const memberId = r.str();
  const groupInstanceId = v >= 5 ? r.nstr() : null;
  const protocolType = r.str();
  const protocols = r.arr((x) => {
    const p = { name: x.str(), metadata: x.bytes() };
    x.tags();
    return p;
  });
  const res = await ctx.core.groups.join(groupId, {
    memberId, groupInstanceId, protocolType, protocols: protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
    sessionTimeoutMs, rebalanceTimeoutMs, clientId: ctx.clientId, clientHost: ctx.clientHost, requireKnownMemberId: v >= 4,
  });
  const w = new Writer(ctx.flexible);
  if (v >= 2) w.i32(0);
  w.i16(res.error).i32(res.generation);
  if (v >= 7) w.nstr(res.protocolType).nstr(res.protocol);
  else w.str(res.protocol ?? '');
  w.str(res.leader).str(res.memberId);
  w.arr(res.members, (w1, m) => {
    w1.str(m.memberId);
    if (v >= 5) w1.nstr(m.groupInstanceId);
    w1.nbytes(m.metadata).tags();
  });
  return w.tags();
}

export async function syncGroup(ctx: RequestContext, r: Reader): Promise<Writer> {
  const v = ctx.version;
  const groupId = r.str();
  const generation = r.i32();
  const memberId = r.str();
  if (v >= 3) r.nstr();
  if (v >= 5) { r.nstr(); r.nstr(); }
  const assignments = r.arr((x) => {
    const a = { memberId: x.str(), assignment: Buffer.from(x.bytes()) };
    x.tags();
    return a;
  });
  const res = await ctx.core.groups.sync(groupId, generation, memberId, assignments);
  const w = new Writer(ctx.flexible);
  if (v >= 1) w.i32(0);
  w.i16(res.error);
  if (v >= 5) w.nstr(res.protocolType).nstr(res.protocol);
  w.nbytes(res.assignment);
  return w.tags();
}

export function heartbeat(ctx: RequestContext, r: Reader): Writer {
  const v = ctx.version;
  const groupId = r.str();
  const generation = r.i32();
  const memberId = r.str();
  if (v >= 3) r.nstr();
  const w = new Writer(ctx.flexible);
  if (v >= 1) w.i32(0);
  return w.i16(ctx.core.groups.heartbeat(groupId, generation, memberId)).tags();
}

export function leaveGroup(ctx: RequestContext, r: Reader): Writer {
  const v = ctx.version;
  const groupId = r.str();
  const members = v >= 3
    ? r.arr((x) => {
      const m = { memberId: x.str(), groupInstanceId: x.nstr() };
      if (v >= 5) x.nstr();
      x.tags();
      return m;
    })
    : [{ memberId: r.str(), groupInstanceId: null }];
  const errors = ctx.core.groups.leave(groupId, members.map((m) => m.memberId));
  const w = new Writer(ctx.flexible);
  if (v >= 1) w.i32(0);
  if (v < 3) return w.i16(errors[0] ?? 0).tags();
  w.i16(0).arr(members, (w1, m) => {
    w1.str(m.memberId).nstr(m.groupInstanceId).i16(errors[members.indexOf(m)] ?? 0).tags();
  });
  return w.tags();
}

export async function offsetCommit(ctx: RequestContext, r: Reader): Promise<Writer> {
  const v = ctx.version;
  const groupId = r.str();
  const generation = v >= 1 ? r.i32() : -1;
  const memberId = v >= 1 ? r.str() : '';
  if (v >= 2 && v <= 4) r.i64();
  if (v >= 7) r.nstr();
  const topics = r.arr((x) => {
    const name = x.str();
    const parts = x.arr((y) => {
      const index = y.i32();
      const offset = y.i64();
      if (v >= 6) y.i32();
      if (v === 1) y.i64();
      const metadata = y.nstr();
      y.tags();
      return { index, offset, metadata, error: 0 };
    });
    x.tags();
    return { name, parts };
  });
  const groupError = ctx.core.groups.validateCommit(groupId, generation, memberId);
  const accepted: Array<{ topic: string; partition: number; offset: number; metadata: string | null }> = [];
  for (const t of topics) {
    const topic = ctx.core.catalog.topics.get(t.name);
    for (const p of t.parts) {
      if (groupError) p.error = groupError;
      else if (!topic?.partitions[p.index]) p.error = ERR_UNKNOWN_TOPIC;
      else accepted.push({ topic: t.name, partition: p.index, offset: p.offset, metadata: p.metadata });
    }
  }
  if (accepted.length > 0) {
    try {
      ctx.core.offsets.commit(groupId, accepted);
      await ctx.core.syncer.sync([ctx.core.offsets]);
    } catch (error) {
      ctx.core.log(`offset commit for ${groupId} failed: ${(error as Error).message}`);
      for (const t of topics) for (const p of t.parts) if (!p.error) p.error = ERR_KAFKA_STORAGE;
    }
  }
  const w = new Writer(ctx.flexible);
  if (v >= 3) w.i32(0);
  w.arr(topics, (w1, t) => {
    w1.str(t.name).arr(t.parts, (w2, p) => w2.i32(p.index).i16(p.error).tags()).tags();
  });
  return w.tags();
}

type TopicPartitions = Array<{ name: string; partitions: number[] }>;

function readTopicPartitions(r: Reader): TopicPartitions | null {
  return r.narr((x) => {
    const t = { name: x.str(), partitions: x.arr((y) => y.i32()) };
    x.tags();
    return t;
  });
}

/** The committed offsets of one group for `requested` (null: every partition it committed). */
function writeGroupOffsets(ctx: RequestContext, w: Writer, groupId: string, requested: TopicPartitions | null): void {
  const v = ctx.version;
  const committed = ctx.core.offsets.get(groupId);
  let topics = requested;
  if (!topics) {
    const byTopic = new Map<string, number[]>();
    for (const k of committed?.keys() ?? []) {
      const [t, p] = k.split('\0') as [string, string];
      byTopic.set(t, [...(byTopic.get(t) ?? []), Number(p)]);
    }
    topics = [...byTopic].map(([name, partitions]) => ({ name, partitions }));
  }
  w.arr(topics, (w1, t) => {
    w1.str(t.name).arr(t.partitions, (w2, p) => {
      const c = committed?.get(offsetKey(t.name, p));
      w2.i32(p).i64(c?.offset ?? -1);
      if (v >= 5) w2.i32(-1);
      w2.nstr(c?.metadata ?? '').i16(0).tags();
    }).tags();
  });
}

/** v8+ batches groups; earlier versions ask for one. */
export function offsetFetch(ctx: RequestContext, r: Reader): Writer {
  const v = ctx.version;
  const w = new Writer(ctx.flexible);
  if (v >= 8) {
    const groups = r.arr((x) => {
      const g = { groupId: x.str(), topics: readTopicPartitions(x) };
      x.tags();
      return g;
    });
    w.i32(0).arr(groups, (w1, g) => {
      w1.str(g.groupId);
      writeGroupOffsets(ctx, w1, g.groupId, g.topics);
      w1.i16(0).tags();
    });
    return w.tags();
  }
  const groupId = r.str();
  const requested = readTopicPartitions(r);
  if (v >= 3) w.i32(0);
  writeGroupOffsets(ctx, w, groupId, requested);
  if (v >= 2) w.i16(0);
  return w.tags();
}

export function describeGroups(ctx: RequestContext, r: Reader): Writer {
  const v = ctx.version;
  const ids = r.arr((x) => x.str());
  if (v >= 3) r.bool();
  const w = new Writer(ctx.flexible);
  if (v >= 1) w.i32(0);
  w.arr(ids, (w1, id) => {
    const d = ctx.core.groups.describe(id);
    const state = d ? d.state : ctx.core.offsets.get(id) ? 'Empty' : 'Dead';
    w1.i16(0).str(id).str(state).str(d?.protocolType ?? '').str(d?.protocol ?? '');
    w1.arr(d?.members ?? [], (w2, m) => {
      w2.str(m.id);
      if (v >= 4) w2.nstr(m.groupInstanceId);
      w2.str(m.clientId).str(m.clientHost).nbytes(m.metadata).nbytes(m.assignment).tags();
    });
    if (v >= 3) w1.i32(-2147483648);
    w1.tags();
  });
  return w.tags();
}

export function listGroups(ctx: RequestContext, r: Reader): Writer {
  const v = ctx.version;
  const filter = v >= 4 ? r.arr((x) => x.str()) : [];
  const live = ctx.core.groups.list();
  const seen = new Set(live.map((g) => g.groupId));
  const groups = [...live];
  for (const g of ctx.core.offsets.table.keys()) if (!seen.has(g)) groups.push({ groupId: g, protocolType: 'consumer', state: 'Empty' });
  const shown = filter.length > 0 ? groups.filter((g) => filter.includes(g.state)) : groups;
  const w = new Writer(ctx.flexible);
  if (v >= 1) w.i32(0);
  w.i16(0).arr(shown, (w1, g) => {
    w1.str(g.groupId).str(g.protocolType);
    if (v >= 4) w1.str(g.state);
    w1.tags();
  });
  return w.tags();
}
