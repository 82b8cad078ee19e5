/**
 * `npm run topics -- apply|check`: makes the broker at KAFKA_BROKERS (comma list, default 127.0.0.1:9092) match the
 * catalog in schemas/topics.ts, through kafkajs admin so it works the same on the embedded broker and on Redpanda.
 * apply creates missing topics, grows partitions and sets configs; check prints the drift and exits 1 when there is any.
 * Configs are set with AlterConfigs (kafkajs has no IncrementalAlterConfigs), which replaces a topic's overrides with
 * the catalog's: the catalog owns these topics' configs.
 */
import { pathToFileURL } from 'node:url';
import kafkajs, { type Admin } from './lib/kafkajs.ts';
import { TOPICS, type TopicSpec } from '../schemas/topics.ts';

// kafkajs is CommonJS: Node's ESM loader only sees some of its named exports, so take them from the default export.
const { ConfigResourceTypes, Kafka, logLevel } = kafkajs;

export interface Drift {
  topic: string;
  kind: 'missing' | 'partitions' | 'config';
  message: string;
  fixable: boolean;
}

/** Differences between the broker and the catalog. */
export async function topicDrift(admin: Admin, specs: readonly TopicSpec[] = TOPICS): Promise<Drift[]> {
  const existing = new Set(await admin.listTopics());
  const present = specs.filter((s) => existing.has(s.name));
  const drift: Drift[] = specs.filter((s) => !existing.has(s.name)).map((s) => ({ topic: s.name, kind: 'missing', message: `topic ${s.name} does not exist`, fixable: true }));
  if (present.length === 0) return drift;
  const meta = await admin.fetchTopicMetadata({ topics: present.map((s) => s.name) });
  const configs = await admin.describeConfigs({
    resources: present.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.name, configNames: Object.keys(s.configs) })),
    includeSynonyms: false,
  });
  for (const spec of present) {
    const partitions = meta.topics.find((t) => t.name === spec.name)?.partitions.length ?? 0;
    if (partitions !== spec.partitions) {
      drift.push({
        topic: spec.name,
        kind: 'partitions',
        message: `${spec.name} has ${partitions} partitions, catalog says ${spec.partitions}${partitions > spec.partitions ? ' (partitions cannot shrink: recreate the topic to fix)' : ''}`,
        fixable: partitions < spec.partitions,
      });
    }
    const entries = configs.resources.find((r) => r.resourceName === spec.name)?.configEntries ?? [];
    for (const [name, want] of Object.entries(spec.configs)) {
      const have = entries.find((e) => e.configName === name)?.configValue;
      if (have !== want) drift.push({ topic: spec.name, kind: 'config', message: `${spec.name} ${name} is ${have ?? 'unset'}, catalog says ${want}`, fixable: true });
    }
  }
  return drift;
}

/** Creates or updates every catalog topic; returns what it changed. */
export async function applyTopics(admin: Admin, specs: readonly TopicSpec[] = TOPICS): Promise<string[]> {
  const drift = await topicDrift(admin, specs);
  const changes: string[] = [];
  const byTopic = (kind: Drift['kind']): TopicSpec[] => specs.filter((s) => drift.some((d) => d.topic === s.name && d.kind === kind && d.fixable));
  const missing = byTopic('missing');
  if (missing.length > 0) {
    await admin.createTopics({
      topics: missing.map((s) => ({ topic: s.name, numPartitions: s.partitions, configEntries: Object.entries(s.configs).map(([name, value]) => ({ name, value })) })),
      waitForLeaders: true,
    });
    changes.push(...missing.map((s) => `created ${s.name} (${s.partitions} partitions)`));
  }
  const grow = byTopic('partitions');
  if (grow.length > 0) {
    await admin.createPartitions({ topicPartitions: grow.map((s) => ({ topic: s.name, count: s.partitions })) });
    changes.push(...grow.map((s) => `${s.name}: partitions -> ${s.partitions}`));
  }
  const alter = byTopic('config');
  if (alter.length > 0) {
    await admin.alterConfigs({
      validateOnly: false,
      resources: alter.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.name, configEntries: Object.entries(s.configs).map(([name, value]) => ({ name, value })) })),
    });
    changes.push(...alter.map((s) => `${s.name}: configs set to ${JSON.stringify(s.configs)}`));
  }
  for (const d of drift.filter((x) => !x.fixable)) changes.push(`cannot fix: ${d.message}`);
  return changes;
}

export function adminFor(brokers: string): Admin {
  return new Kafka({ clientId: 'topics', brokers: brokers.split(',').map((b) => b.trim()).filter(Boolean), logLevel: logLevel.WARN }).admin();
}

async function main(): Promise<number> {
  const command = process.argv[2];
  if (command !== 'apply' && command !== 'check') {
    console.error('usage: npm run topics -- apply|check   (KAFKA_BROKERS=host:port,... default 127.0.0.1:9092)');
    return 2;
  }
  const admin = adminFor(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092');
  await admin.connect();
  try {
    if (command === 'apply') {
      const changes = await applyTopics(admin);
      console.log(changes.length > 0 ? changes.join('\n') : 'topics already match the catalog');
      return changes.some((c) => c.startsWith('cannot fix')) ? 1 : 0;
    }
    const drift = await topicDrift(admin);
    for (const d of drift) console.log(`drift: ${d.message}`);
    if (drift.length === 0) console.log(`all ${TOPICS.length} topics match the catalog`);
    return drift.length > 0 ? 1 : 0;
  } finally {
    await admin.disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then((code) => process.exit(code), (error: unknown) => {
    console.error(`topics: ${(error as Error).message}`);
    process.exit(1);
  });
}
