import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import type { Admin } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestClient } from '../../functions/lib/cryptocompare/rest-client.ts';
import { fetchRange } from '../../functions/lib/cryptocompare/paginate.ts';
import type { BackfillRequest } from '../../schemas/analytics-requests.ts';
import type { Platform } from '../../scripts/lib/platform.ts';
import { bootSimulatedPlatform, consumerGroups, kafkaAdmin, until, waitDrained } from './helpers.ts';

const SYMBOLS = ['BTC-USD', 'ETH-USD'];
const PIPELINES = ['ingest.yaml', 'validate.yaml', 'sink-timescale.yaml', 'sink-clickhouse.yaml', 'sink-metadata.yaml', 'sink-dead-letters.yaml', 'backfill.yaml'];

let dir: string;
let platform: Platform;
let sql: pg.Client;
let ch: ClickHouseClient;
let admin: Admin;
const groups = consumerGroups(PIPELINES);

const candles = (): number => platform.ingest?.stats().candles ?? 0;
const moreCandles = async (n: number): Promise<void> => {
  const target = candles() + n;
  await until(async () => candles() >= target, 200);
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipeline-faults-'));
  platform = await bootSimulatedPlatform({ dataDir: join(dir, 'data'), seed: 11, symbols: SYMBOLS, pipelines: PIPELINES });
  sql = new pg.Client({ connectionString: platform.timescaleUrl });
  await sql.connect();
  ch = createClient({ url: platform.clickhouseUrl });
  admin = kafkaAdmin(platform.kafkaBrokers);
  await admin.connect();
}, 120_000);

afterAll(async () => {
  await admin?.disconnect();
  await sql?.end();
  await ch?.close();
  await platform?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

async function storeKeys(): Promise<{ ts: string[]; chAll: string[]; chFinal: string[] }> {
  const ts = (await sql.query<{ k: string }>("SELECT symbol || ':' || (extract(epoch from ts) * 1000)::bigint AS k FROM ohlcv ORDER BY 1")).rows.map((r) => r.k);
  const q = async (final: boolean): Promise<string[]> =>
    (await (await ch.query({ query: `SELECT concat(symbol, ':', toString(toUnixTimestamp64Milli(ts))) AS k FROM ohlcv ${final ? 'FINAL' : ''} ORDER BY k`, format: 'JSONEachRow' })).json<{ k: string }>()).map((r) => r.k);
  return { ts, chAll: await q(false), chFinal: await q(true) };
}

describe('faults: nothing lost, nothing duplicated', () => {
  it('survives a pipeline restart, a function outage, WebSocket drops and a replayed backfill', async () => {
    await moreCandles(6);

    // The validate pipeline stopped mid-stream and started again: it resumes from its committed offsets.
    await platform.restartPipeline('validate.yaml');
    await moreCandles(6);

    // The validate function down for a while: the pipeline retries (back-pressure), nothing is dead-lettered.
    platform.setFunctionDown('validate', true);
    await moreCandles(6);
    platform.setFunctionDown('validate', false);

    // The WebSocket dropped: the client reconnects, reports the gap, the worker asks for a backfill.
    const gapsBefore = platform.ingest?.stats().gaps ?? 0;
    const sim = platform.simulator;
    if (sim === undefined) throw new Error('the simulator is not running');
    sim.context.faults.dropSocketEveryMs = 1500;
    await until(async () => (platform.ingest?.stats().gaps ?? 0) > gapsBefore, 200);
    sim.context.faults.dropSocketEveryMs = 0;
    await moreCandles(6);
    await platform.stopSources();
    await waitDrained(admin, groups);

    const first = await sql.query<{ symbol: string; lo: Date; hi: Date }>('SELECT symbol, min(ts) AS lo, max(ts) AS hi FROM ohlcv GROUP BY symbol');
    // The same range backfilled twice: the sinks are idempotent and validate refuses the repeats.
    const replay = (id: string): BackfillRequest => ({
      kind: 'backfill', requestId: id, exchange: 'cccagg', symbols: SYMBOLS, timeframe: '1m',
      from: Math.min(...first.rows.map((r) => r.lo.getTime())), to: Math.max(...first.rows.map((r) => r.hi.getTime())),
      reason: 'agent', requestedBy: 'faults-test', requestedAt: Date.now(),
    });
    const before = await storeKeys();
    for (const id of ['replay-1', 'replay-2']) {
      const res = await fetch(platform.ingestUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([replay(id)]) });
      expect(res.status).toBe(200);
    }
    await waitDrained(admin, groups);
    const after = await storeKeys();
    expect(after.ts).toEqual(before.ts);
    expect(after.chFinal).toEqual(after.ts);

    // Every minute between the first and the last stored candle is there exactly once, equal to the market.
    const gaps = await sql.query<{ n: string }>('SELECT count(*) AS n FROM gaps');
    expect(Number(gaps.rows[0]?.n)).toBeGreaterThan(0);
    const rest = createRestClient({ baseUrl: sim.restUrl });
    for (const { symbol, lo, hi } of first.rows) {
      const market = await fetchRange({ client: rest, exchange: 'cccagg', symbol, timeframe: '1m', from: lo.getTime(), to: hi.getTime(), source: 'simulator', now: () => sim.context.clock.now() });
      const stored = await sql.query<{ ts: Date; close: number }>('SELECT ts, close FROM ohlcv WHERE symbol = $1 ORDER BY ts', [symbol]);
      expect(stored.rows.map((r) => [r.ts.getTime(), r.close])).toEqual(market.candles.map((c) => [c.timestamp, c.close]));
    }
    expect(new Set(after.ts).size).toBe(after.ts.length);
  });
});
