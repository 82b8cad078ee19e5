/** Topics of the broker: catalog (persisted in topics.json), partition logs, configs with Redpanda-like defaults. */
import { join } from 'node:path';
import { PartitionLog, type LogConfig } from './log.ts';
import { saveTopics, type TopicRecord } from './store.ts';

export const ERR_UNKNOWN_TOPIC = 3;
export const ERR_INVALID_TOPIC = 17;
export const ERR_TOPIC_EXISTS = 36;
export const ERR_INVALID_PARTITIONS = 37;
export const ERR_INVALID_REPLICATION = 38;
export const ERR_INVALID_CONFIG = 40;

/** Defaults reported by DescribeConfigs and used when a topic does not override them. */
export const CONFIG_DEFAULTS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'delete',
  'retention.ms': '604800000',
  'retention.bytes': '-1',
  'segment.bytes': '134217728',
  'max.message.bytes': '1048576',
  'message.timestamp.type': 'CreateTime',
  'min.insync.replicas': '1',
};

const INT_CONFIGS = new Set(['retention.ms', 'retention.bytes', 'segment.bytes', 'max.message.bytes', 'min.insync.replicas']);

/** Null when valid, else why not. */
export function invalidConfig(name: string, value: string | null): string | null {
  if (value === null) return null;
  if (INT_CONFIGS.has(name) && !/^-?\d+$/.test(value)) return `${name} must be an integer, got "${value}"`;
  if (name === 'cleanup.policy' && !value.split(',').every((p) => p.trim() === 'delete' || p.trim() === 'compact')) return `cleanup.policy must be delete, compact or both, got "${value}"`;
  if (name === 'segment.bytes' && Number(value) < 1) return 'segment.bytes must be positive';
  return null;
}

export function logConfigOf(configs: Record<string, string>): LogConfig {
  const get = (k: string): string => configs[k] ?? (CONFIG_DEFAULTS[k] as string);
  const policies = get('cleanup.policy').split(',').map((p) => p.trim());
  return {
    segmentBytes: Number(get('segment.bytes')),
    retentionMs: Number(get('retention.ms')),
    retentionBytes: Number(get('retention.bytes')),
    compact: policies.includes('compact'),
    delete: policies.includes('delete'),
  };
}

export function validTopicName(name: string): boolean {
  return /^[a-zA-Z0-9._-]{1,249}$/.test(name) && name !== '.' && name !== '..';
}

export class Topic {
  partitions: PartitionLog[] = [];
  constructor(readonly name: string, public configs: Record<string, string>, partitionCount: number, private readonly dataDir: string, private readonly warn: (m: string) => void) {
    this.grow(partitionCount);
  }
  grow(count: number): void {
    for (let p = this.partitions.length; p < count; p++) {
      this.partitions.push(new PartitionLog(join(this.dataDir, 'topics', `${this.name}-${p}`), logConfigOf(this.configs), this.warn));
    }
  }
  setConfigs(configs: Record<string, string>): void {
    this.configs = configs;
    const lc = logConfigOf(configs);
    for (const p of this.partitions) p.config = lc;
  }
}

export class TopicCatalog {
  readonly topics = new Map<string, Topic>();
  constructor(private readonly dataDir: string, loaded: Map<string, TopicRecord>, private readonly warn: (m: string) => void) {
    for (const [name, rec] of loaded) this.topics.set(name, new Topic(name, rec.configs, rec.partitions, dataDir, warn));
  }
  private persist(): void {
    saveTopics(this.dataDir, new Map([...this.topics].map(([n, t]) => [n, { partitions: t.partitions.length, configs: t.configs }])));
  }
  create(name: string, partitions: number, configs: Record<string, string>): { error: number; message: string | null } {
    if (!validTopicName(name)) return { error: ERR_INVALID_TOPIC, message: `"${name.slice(0, 60)}" is not a legal topic name ([a-zA-Z0-9._-], at most 249 characters)` };
    if (this.topics.has(name)) return { error: ERR_TOPIC_EXISTS, message: `topic ${name} already exists` };
    if (partitions < 1 || partitions > 10_000) return { error: ERR_INVALID_PARTITIONS, message: 'partitions must be between 1 and 10000' };
    for (const [k, v] of Object.entries(configs)) {
      const bad = invalidConfig(k, v);
      if (bad) return { error: ERR_INVALID_CONFIG, message: bad };
    }
    this.topics.set(name, new Topic(name, configs, partitions, this.dataDir, this.warn));
    this.persist();
    return { error: 0, message: null };
  }
  delete(name: string): number {
    const t = this.topics.get(name);
    if (!t) return ERR_UNKNOWN_TOPIC;
    this.topics.delete(name);
    this.persist();
    for (const p of t.partitions) p.destroy();
    return 0;
  }
  setPartitions(name: string, count: number): { error: number; message: string | null } {
    const t = this.topics.get(name);
    if (!t) return { error: ERR_UNKNOWN_TOPIC, message: `unknown topic ${name}` };
    if (count <= t.partitions.length) return { error: ERR_INVALID_PARTITIONS, message: `topic ${name} already has ${t.partitions.length} partitions; partitions can only grow` };
    t.grow(count);
    this.persist();
    return { error: 0, message: null };
  }
  setConfigs(name: string, configs: Record<string, string>): { error: number; message: string | null } {
    const t = this.topics.get(name);
    if (!t) return { error: ERR_UNKNOWN_TOPIC, message: `unknown topic ${name}` };
    for (const [k, v] of Object.entries(configs)) {
      const bad = invalidConfig(k, v);
      if (bad) return { error: ERR_INVALID_CONFIG, message: bad };
    }
    t.setConfigs(configs);
    this.persist();
    return { error: 0, message: null };
  }
  close(): void {
    for (const t of this.topics.values()) for (const p of t.partitions) p.close();
  }
}
