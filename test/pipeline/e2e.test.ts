import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestClient } from '../../functions/lib/cryptocompare/rest-client.ts';
import { fetchRange } from '../../functions/lib/cryptocompare/paginate.ts';
import type { DeadLetter } from '../../schemas/dead-letter.ts';
import type { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { MAX_REVISION_DELAY_MS } from '../../scripts/engines/simulator/market.ts';
import type { Platform } from '../../scripts/lib/platform.ts';
import { bootSimulatedPlatform, consumerGroups, kafkaAdmin, until, waitDrained } from './helpers.ts';

const SYMBOLS = ['BTC-USD', 'ETH-USD'];
const CANDLES = 24;
const PIPELINES = ['ingest.yaml', 'validate.yaml', 'enrich-indicators.yaml', 'alerts.yaml', 'signals.yaml', 'sink-timescale.yaml', 'sink-clickhouse.yaml', 'sink-events.yaml', 'sink-dead-letters.yaml', 'sink-metadata.yaml', 'backfill.yaml'];

interface Row { symbol: string; ts: number; open: number; high: number; low: number; close: number; volume: number }

let dir: string;
let platform: Platform;
let sql: pg.Client;
let ch: ClickHouseClient;
let admin: Admin;
const groups = consumerGroups(PIPELINES);

async function timescaleRows(): Promise<Row[]> {
  const r = await sql.query<{ symbol: string; ts: Date; open: number; high: number; low: number; close: number; volume: number }>(
    'SELECT symbol, ts, open, high, low, close, volume FROM ohlcv ORDER BY symbol, ts');
  return r.rows.map((x) => ({ ...x, ts: x.ts.getTime() }));
}

/** One row per candle: the newest version of each (ReplacingMergeTree read with FINAL). */
async function clickhouseRows(): Promise<Row[]> {
  const rs = await ch.query({ query: 'SELECT symbol, toUnixTimestamp64Milli(ts) AS ts, open, high, low, close, volume FROM ohlcv FINAL ORDER BY symbol, ts', format: 'JSONEachRow' });
  return (await rs.json<Row & { ts: string | number }>()).map((x) => ({ ...x, ts: Number(x.ts) }));
}

/** Every record of a topic from the beginning (the topic is quiet when this runs). */
async function readTopic<T>(topic: string): Promise<T[]> {
  const kafka = new Kafka({ clientId: 'pipeline-test-reader', brokers: [platform.kafkaBrokers], logLevel: logLevel.NOTHING });
  const offsets = await admin.fetchTopicOffsets(topic);
  const total = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}` });
  const out: T[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    if (total === 0) resolve();
    void consumer.run({ eachMessage: async ({ message }) => {
      out.push(JSON.parse(message.value?.toString() ?? 'null') as T);
      if (out.length >= total) resolve();
    } });
  });
  await consumer.disconnect();
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipeline-e2e-'));
  const rules = join(dir, 'rules.json');
  // A rule that fires on every closed BTC-USD candle: close is always above 0.0001.
  await writeFile(rules, JSON.stringify([{ id: 'always', symbol: 'BTC-USD', timeframe: '1m', condition: { type: 'price_threshold', op: 'above', level: 0.0001 }, trigger: { mode: 'once_per_bar_close' } }]));
  process.env.ALERT_RULES_FILE = rules;
  platform = await bootSimulatedPlatform({ dataDir: join(dir, 'data'), seed: 7, symbols: SYMBOLS, pipelines: PIPELINES });
  sql = new pg.Client({ connectionString: platform.timescaleUrl });
  await sql.connect();
  ch = createClient({ url: platform.clickhouseUrl });
  admin = kafkaAdmin(platform.kafkaBrokers);
  await admin.connect();

  // Run the source for a bounded number of closed candles, stop it, inject refused messages, wait for the sinks.
  await until(async () => (platform.ingest?.stats().candles ?? 0) >= CANDLES * SYMBOLS.length);
  await platform.stopSources();
  const base = { schemaVersion: 1, source: 'simulator', exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1m', timestamp: 60_000, open: -1, high: 2, low: 1, close: 1.5, volume: 1, quoteVolume: 1, trades: null, state: 'closed', revision: 0, receivedAt: 60_000, transport: 'websocket', conversion: { type: 'direct', symbol: 'USD' }, quality: { flags: [], level: 'high' } };
  const res = await fetch(platform.ingestUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([base, { not: 'a candle' }]) });
  expect(res.status).toBe(200);
  await waitDrained(admin, groups);
}, 170_000);

afterAll(async () => {
  await admin?.disconnect();
  await sql?.end();
  await ch?.close();
  await platform?.stop();
  delete process.env.ALERT_RULES_FILE;
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('the platform end to end (simulator -> ingest -> validate -> enrich/indicators -> alerts; both stores)', () => {
  it('stores every closed candle exactly once in both stores, equal to the simulator market', async () => {
    const ts = await timescaleRows();
    const chFinal = await clickhouseRows();
    expect(chFinal).toEqual(ts);
    // Each candle version (revision, state) was inserted exactly once: a row more would be a redelivery. A revision is a
    // row of its own until ClickHouse merges parts (FINAL reads through that), so the raw count is compared with the
    // versions, not with the candles: whether a merge already ran is timing, not correctness.
    const counts = await (await ch.query({ query: 'SELECT count() AS rows, uniqExact(symbol, ts, revision, state) AS versions FROM ohlcv', format: 'JSONEachRow' })).json<{ rows: string; versions: string }>();
    expect(Number(counts[0]?.rows)).toBe(Number(counts[0]?.versions));
    expect(Number(counts[0]?.versions)).toBeGreaterThanOrEqual(ts.length);
    const restClient = createRestClient({ baseUrl: platform.simulator?.restUrl ?? '' });
    for (const symbol of SYMBOLS) {
      const mine = ts.filter((r) => r.symbol === symbol);
      expect(mine.length).toBeGreaterThanOrEqual(CANDLES - 1);
      const from = mine[0]?.ts ?? 0;
      const to = mine[mine.length - 1]?.ts ?? 0;
      // No hole: one row per minute bucket between the first and the last.
      expect(mine.map((r) => r.ts)).toEqual(Array.from({ length: (to - from) / 60_000 + 1 }, (_, i) => from + i * 60_000));
      // The market as published: revision 0 at the close, revision 1 once a late revision landed (<= 30 min later).
      const market = platform.simulator?.context.market;
      if (market === undefined) throw new Error('no simulator');
      const revisions = await sql.query<{ ts: Date; revision: number }>('SELECT ts, revision FROM ohlcv WHERE symbol = $1 ORDER BY ts', [symbol]);
      const expected = revisions.rows.map(({ ts: at, revision }) => {
        const t = at.getTime();
        const c = market.candle('cccagg', symbol, '1m', t, revision === 0 ? t + 60_000 : t + 60_000 + MAX_REVISION_DELAY_MS + 60_000);
        expect(c.revision).toBe(revision);
        return { symbol, ts: t, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volumefrom };
      });
      // And REST agrees on the buckets and on what a revision never changes (open, close).
      const rest = await fetchRange({ client: restClient, exchange: 'cccagg', symbol, timeframe: '1m', from, to, source: 'simulator', now: () => platform.simulator?.context.clock.now() ?? Date.now() });
      expect(rest.candles.map((c: OhlcvMessage) => [c.timestamp, c.open, c.close])).toEqual(mine.map((r) => [r.ts, r.open, r.close]));
      expect(mine).toEqual(expected);
    }
  });

  it('computes the rollups from the stored candles', async () => {
    const r = await sql.query<{ symbol: string; bucket: Date; candles: string; high: number; volume: number }>(
      "SELECT symbol, bucket, candles, high, volume FROM ohlcv_5m WHERE symbol = 'BTC-USD' ORDER BY bucket");
    const rows = await timescaleRows();
    const complete = r.rows.filter((b) => Number(b.candles) === 5);
    expect(complete.length).toBeGreaterThan(0);
    for (const b of complete) {
      const start = b.bucket.getTime();
      const minutes = rows.filter((x) => x.symbol === 'BTC-USD' && x.ts >= start && x.ts < start + 300_000);
      expect(b.high).toBe(Math.max(...minutes.map((m) => m.high)));
      expect(b.volume).toBeCloseTo(minutes.reduce((s, m) => s + m.volume, 0), 6);
    }
  });

  it('adds indicators and fires the alert rule once per closed candle', async () => {
    const enriched = await readTopic<OhlcvMessage>('ohlcv-enriched');
    expect(enriched.length).toBeGreaterThan(0);
    expect(enriched.every((c) => c.enrichment !== undefined && c.indicators !== undefined && Object.keys(c.indicators).length > 0)).toBe(true);
    const btc = (await timescaleRows()).filter((r) => r.symbol === 'BTC-USD');
    const events = await sql.query<{ id: string; at: Date }>("SELECT id, at FROM alert_events WHERE rule_id = 'always' ORDER BY at");
    expect(events.rows.map((e) => e.at.getTime())).toEqual(btc.map((r) => r.ts));
  });

  it('dead-letters the refused messages with their reasons', async () => {
    const letters = await readTopic<DeadLetter>('ohlcv-raw-dlq');
    const injected = letters.filter((l) => (l.original as { timestamp?: number; not?: string }).timestamp === 60_000 || (l.original as { not?: string }).not === 'a candle');
    expect(injected.map((l) => [l.stage, l.reasonCode]).sort()).toEqual([['validate', 'PRICE_NOT_POSITIVE'], ['validate', 'SCHEMA_INVALID']]);
    const counted = await sql.query<{ reason_code: string; count: string }>("SELECT reason_code, count FROM dead_letters WHERE stage = 'validate'");
    const byReason = Object.fromEntries(counted.rows.map((r) => [r.reason_code, Number(r.count)]));
    expect(byReason.PRICE_NOT_POSITIVE).toBe(1);
    expect(byReason.SCHEMA_INVALID).toBe(1);
  });
});
