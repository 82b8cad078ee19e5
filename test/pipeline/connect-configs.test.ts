import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { OHLCV_COLUMNS, TIMESCALE_UPSERT } from '../../functions/lib/read/rows.ts';
import { TOPICS } from '../../schemas/topics.ts';
import { expandConfigPaths, lintFiles } from '../../scripts/connect/lint.ts';
import { CONNECT_DIR } from '../../scripts/lib/platform.ts';
import { SQL_DIR } from '../../scripts/migrate.ts';
import { consumerGroups } from './helpers.ts';

type Doc = Record<string, unknown>;
const load = (f: string): Doc => parse(readFileSync(join(CONNECT_DIR, f), 'utf8')) as Doc;
type SqlInsert = { table: string; columns: string[]; suffix?: string; args_mapping: string };
const sqlInsert = (f: string): SqlInsert => (load(f).output as { sql_insert: SqlInsert }).sql_insert;
const normalise = (s: string): string => s.replace(/\s+/g, ' ').trim();

describe('connect/*.yaml', () => {
  const files = expandConfigPaths([CONNECT_DIR]);

  it('lint clean on the local runner (unknown fields, Bloblang, components)', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
    expect(lintFiles(files, { skipEnvVarCheck: true })).toEqual([]);
  });

  it('take every address and secret from the environment', () => {
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/(postgres|clickhouse|https?):\/\/[^$]/);
      for (const m of text.matchAll(/(seed_brokers|dsn|url):\s*(.*)/g)) expect(m[2], `${f}: ${m[1]}`).toMatch(/"\$\{[A-Z_]+(:[^}]*)?\}"/);
    }
  });

  it('give every consuming stage its own consumer group and only use catalog topics', () => {
    const groups = consumerGroups();
    expect(new Set(groups.keys()).size).toBe(groups.size);
    const names = new Set(TOPICS.map((t) => t.name));
    for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/topic: ([a-z-]+)/g)) expect(names.has(m[1] as string), `${f}: ${m[1]}`).toBe(true);
    for (const topics of groups.values()) for (const t of topics) expect(names.has(t), t).toBe(true);
  });

  it('write the ohlcv columns the storage code derives from the schema, with its upsert rule', () => {
    for (const f of ['sink-timescale.yaml', 'sink-clickhouse.yaml']) expect(sqlInsert(f).columns, f).toEqual([...OHLCV_COLUMNS]);
    // TimescaleDB: plain inserts into the staging table, whose trigger upserts one winner per key with the writer's rule.
    expect(sqlInsert('sink-timescale.yaml').table).toBe('ohlcv_ingest');
    expect(sqlInsert('sink-timescale.yaml').suffix).toBeUndefined();
    const staging = normalise(readFileSync(join(SQL_DIR, 'timescale', '007_ohlcv_ingest.sql'), 'utf8'));
    const upsert = normalise(TIMESCALE_UPSERT.slice(TIMESCALE_UPSERT.indexOf('ON CONFLICT')));
    expect(staging).toContain(`${upsert};`);
    expect(staging).toContain(`INSERT INTO ohlcv (${OHLCV_COLUMNS.join(', ')})`);
    // ClickHouse's ReplacingMergeTree deduplicates: plain inserts only.
    expect(sqlInsert('sink-clickhouse.yaml').suffix).toBeUndefined();
  });

  it('write dead letters as rows keyed by their identity, ignoring replays, in normal batches', () => {
    const sink = sqlInsert('sink-dead-letters.yaml');
    expect(sink.table).toBe('dead_letter_events');
    expect(normalise(sink.suffix ?? '')).toBe('ON CONFLICT (id) DO NOTHING');
    const input = (load('sink-dead-letters.yaml').input as { redpanda: { max_yield_batch_bytes?: string } }).redpanda;
    expect(input.max_yield_batch_bytes).not.toBe('1B');
  });
});
