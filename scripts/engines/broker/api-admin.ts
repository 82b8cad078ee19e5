/** CreateTopics, DeleteTopics, CreatePartitions and the topic-config APIs (what `kafkajs` admin and `npm run topics` use). */
import { createHash } from 'node:crypto';
import { Writer, type Reader } from './codec.ts';
import type { RequestContext } from './core.ts';
import { CONFIG_DEFAULTS, ERR_INVALID_CONFIG, ERR_INVALID_REPLICATION, ERR_UNKNOWN_TOPIC, invalidConfig } from './topics-state.ts';

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
const ERR_INVALID_REQUEST = 42;

/** A stable topic id derived from the name: the broker does not track ids, but v7+/v6+ responses carry one. */
function topicId(name: string): Buffer {
  return createHash('md5').update(name).digest();
}

export function createTopics(ctx: RequestContext, r: Reader): Writer {
  const v = ctx.version;
  const topics = r.arr((x) => {
    const name = x.str();
    const partitions = x.i32();
    const replication = x.i16();
    const assignments = x.arr((y) => {
      y.i32();
      y.arr((z) => z.i32());
      y.tags();
      return 1;
    });
    const configs: Record<string, string> = {};
    x.arr((y) => {
      const k = y.str();
      const val = y.nstr();
      y.tags();
      if (val !== null) configs[k] = val;
      return 0;
    });
    x.tags();
    return { name, partitions: partitions === -1 ? (assignments.length || 1) : partitions, replication, configs };
  });
  r.i32();
  const validateOnly = v >= 1 ? r.bool() : false;
  const results = topics.map((t) => {
    if (t.replication !== -1 && t.replication !== 1) return { ...t, error: ERR_INVALID_REPLICATION, message: 'this single-node broker only supports replication factor 1' };
    if (validateOnly) return { ...t, error: 0, message: null };
    const res = ctx.core.catalog.create(t.name, t.partitions, t.configs);
    if (res.error === 0) ctx.core.log(`created topic ${t.name} (${t.partitions} partitions)`);
    return { ...t, ...res };
  });
  const w = new Writer(ctx.flexible);
  if (v >= 2) w.i32(0);
  w.arr(results, (w1, t) => {
    w1.str(t.name);
    if (v >= 7) w1.raw(topicId(t.name));
    w1.i16(t.error);
    if (v >= 1) w1.nstr(t.message);
    if (v >= 5) {
      w1.i32(t.error ? -1 : t.partitions).i16(t.error ? -1 : 1);
      const entries = Object.entries({ ...CONFIG_DEFAULTS, ...t.configs });
      w1.arr(entries, (w2, [k, val]) => w2.str(k).nstr(val).bool(false).i8(t.configs[k] !== undefined ? 1 : 5).bool(false).tags());
    }
    w1.tags();
  });
  return w.tags();
}

export function deleteTopics(ctx: RequestContext, r: Reader): Writer {
  const v = ctx.version;
  // v6+ names topics by name or id; ids are not tracked, so an id-only entry matches no topic.
  const names = v >= 6
    ? r.arr((x) => {
      const name = x.nstr() ?? '';
      x.raw(16);
      x.tags();
      return name;
    })
    : r.arr((x) => x.str());
  r.i32();
  const w = new Writer(ctx.flexible);
  if (v >= 1) w.i32(0);
  w.arr(names, (w1, name) => {
    const error = ctx.core.catalog.delete(name);
    if (error === 0) {
      ctx.core.offsets.dropTopic(name);
      ctx.core.log(`deleted topic ${name}`);
    }
    if (v >= 6) w1.nstr(name).raw(topicId(name));
    else w1.str(name);
    w1.i16(error);
    if (v >= 5) w1.nstr(error ? `unknown topic ${name}` : null);
    w1.tags();
  });
  return w.tags();
}

export function createPartitions(ctx: RequestContext, r: Reader): Writer {
  const topics = r.arr((x) => {
    const t = { name: x.str(), count: x.i32() };
    x.narr((y) => { y.arr((z) => z.i32()); y.tags(); return 0; });
    x.tags();
    return t;
  });
  r.i32();
  const validateOnly = r.bool();
  const w = new Writer(ctx.flexible);
  w.i32(0).arr(topics, (w1, t) => {
    const res = validateOnly ? { error: ctx.core.catalog.topics.has(t.name) ? 0 : ERR_UNKNOWN_TOPIC, message: null } : ctx.core.catalog.setPartitions(t.name, t.count);
    if (!validateOnly && res.error === 0) ctx.core.log(`topic ${t.name} now has ${t.count} partitions`);
    w1.str(t.name).i16(res.error).nstr(res.message).tags();
  });
  return w.tags();
}

export function describeConfigs(ctx: RequestContext, r: Reader): Writer {
  const v = ctx.version;
  const resources = r.arr((x) => {
    const res = { type: x.i8(), name: x.str(), keys: x.narr((y) => y.str()) };
    x.tags();
    return res;
  });
  if (v >= 1) r.bool();
  if (v >= 3) r.bool();
  const w = new Writer(ctx.flexible);
  w.i32(0).arr(resources, (w1, res) => {
    const topic = res.type === RESOURCE_TOPIC ? ctx.core.catalog.topics.get(res.name) : undefined;
    const error = res.type === RESOURCE_TOPIC && !topic ? ERR_UNKNOWN_TOPIC : res.type !== RESOURCE_TOPIC && res.type !== RESOURCE_BROKER ? ERR_INVALID_REQUEST : 0;
    const all = topic ? { ...CONFIG_DEFAULTS, ...topic.configs } : {};
    const entries = Object.entries(all).filter(([k]) => !res.keys || res.keys.includes(k));
    w1.i16(error).nstr(error ? `unknown resource ${res.name}` : null).i8(res.type).str(res.name);
    w1.arr(entries, (w2, [k, val]) => {
      const isDefault = topic?.configs[k] === undefined;
      w2.str(k).nstr(val).bool(false);
      if (v === 0) w2.bool(isDefault);
      else w2.i8(isDefault ? 5 : 1);
      w2.bool(false);
      if (v >= 1) w2.arrLen(0);
      if (v >= 3) w2.i8(0).nstr(null);
      w2.tags();
    });
    w1.tags();
  });
  return w.tags();
}

/** AlterConfigs replaces a topic's whole set of overrides (Kafka semantics); IncrementalAlterConfigs edits it. */
export function alterConfigs(ctx: RequestContext, r: Reader): Writer {
  const incremental = ctx.apiKey === 44;
  const resources = r.arr((x) => {
    const type = x.i8();
    const name = x.str();
    const ops = x.arr((y) => {
      const op = { key: y.str(), op: incremental ? y.i8() : 0, value: y.nstr() };
      y.tags();
      return op;
    });
    x.tags();
    return { type, name, ops };
  });
  const validateOnly = r.bool();
  const w = new Writer(ctx.flexible);
  w.i32(0).arr(resources, (w1, res) => {
    let error = 0;
    let message: string | null = null;
    const topic = ctx.core.catalog.topics.get(res.name);
    if (res.type !== RESOURCE_TOPIC) [error, message] = [ERR_INVALID_REQUEST, 'only topic configs can be altered'];
    else if (!topic) [error, message] = [ERR_UNKNOWN_TOPIC, `unknown topic ${res.name}`];
    else {
      const next: Record<string, string> = incremental ? { ...topic.configs } : {};
      for (const o of res.ops) {
        const bad = invalidConfig(o.key, o.value);
        if (bad) [error, message] = [ERR_INVALID_CONFIG, bad];
        else if (o.op === 1 || o.value === null) delete next[o.key];
        else if (o.op === 0) next[o.key] = o.value;
        else [error, message] = [ERR_INVALID_REQUEST, 'APPEND/SUBTRACT are not supported'];
      }
      if (!error && !validateOnly) {
        ({ error, message } = ctx.core.catalog.setConfigs(res.name, next));
        if (!error) ctx.core.log(`topic ${res.name} configs now ${JSON.stringify(next)}`);
      }
    }
    w1.i16(error).nstr(message).i8(res.type).str(res.name).tags();
  });
  return w.tags();
}
