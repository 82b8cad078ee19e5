import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { parse } from 'yaml';
import { bootPlatform, CONNECT_DIR, type Platform, type PlatformOptions } from '../../scripts/lib/platform.ts';

/** consumer group -> topics, read from connect/*.yaml (the groups whose lag says whether the pipelines drained). */
export function consumerGroups(files: readonly string[] = readdirSync(CONNECT_DIR).filter((f) => f.endsWith('.yaml'))): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of files) {
    const doc = parse(readFileSync(join(CONNECT_DIR, f), 'utf8')) as { input?: { redpanda?: { consumer_group: string; topics: string[] } } };
    const rp = doc.input?.redpanda;
    if (rp) out.set(rp.consumer_group, rp.topics);
  }
  return out;
}

export function kafkaAdmin(brokers: string): Admin {
  return new Kafka({ clientId: 'pipeline-test', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
}

/** Total lag (high watermark - committed offset) over every group and partition. */
export async function totalLag(admin: Admin, groups: ReadonlyMap<string, string[]>): Promise<number> {
  let lag = 0;
  for (const [groupId, topics] of groups) {
    for (const topic of topics) {
      const high = await admin.fetchTopicOffsets(topic);
      const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
      for (const p of high) {
        const c = Number(committed.find((x) => x.partition === p.partition)?.offset ?? '-1');
        lag += Number(p.high) - Math.max(0, c);
      }
    }
  }
  return lag;
}

/** Polls until `check` answers true (no time assertion: the test's own timeout is the bound). */
export async function until(check: () => Promise<boolean>, pauseMs = 500): Promise<void> {
  for (;;) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

/** Waits until every consumer group has committed everything, twice in a row (nothing in flight between stages). */
export async function waitDrained(admin: Admin, groups: ReadonlyMap<string, string[]>): Promise<void> {
  let zeroes = 0;
  await until(async () => {
    zeroes = (await totalLag(admin, groups)) === 0 ? zeroes + 1 : 0;
    return zeroes >= 2;
  }, 1000);
}

/**
 * The platform on embedded engines only (whatever this machine's environment points at), fed by the simulator at
 * 120x with a fixed seed, running just `pipelines`, for `symbols` on cccagg.
 */
export function bootSimulatedPlatform(o: { dataDir: string; seed: number; symbols: readonly string[]; pipelines: string[]; simulatorStart?: number }): Promise<Platform> {
  const options: PlatformOptions = {
    dataDir: o.dataDir, port: 0, seed: o.seed, simulatorSpeed: 120, pipelines: o.pipelines, ingestBatchPeriodMs: 100,
    env: { ...process.env, SYMBOLS: o.symbols.join(','), EXCHANGE: 'cccagg', KAFKA_BROKERS: '', TIMESCALE_URL: '', CLICKHOUSE_URL: '', CRYPTOCOMPARE_API_KEY: '' },
  };
  return bootPlatform(o.simulatorStart === undefined ? options : { ...options, simulatorStart: o.simulatorStart });
}
