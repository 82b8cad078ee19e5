import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createRestClient } from '../../functions/lib/cryptocompare/rest-client.ts';
import { fetchRange } from '../../functions/lib/cryptocompare/paginate.ts';
import type { Platform } from '../../scripts/lib/platform.ts';
import { bootSimulatedPlatform, consumerGroups, kafkaAdmin, until, waitDrained } from './helpers.ts';

const SYMBOLS = ['BTC-USD'];
const PIPELINES = ['ingest.yaml', 'validate.yaml', 'sink-timescale.yaml', 'sink-clickhouse.yaml', 'sink-metadata.yaml', 'backfill.yaml'];
const groups = consumerGroups(PIPELINES);
let dir: string | undefined;
let running: Platform | undefined;

async function boot(dataDir: string, simulatorStart: number): Promise<Platform> {
  running = await bootSimulatedPlatform({ dataDir, seed: 5, symbols: SYMBOLS, pipelines: PIPELINES, simulatorStart });
  return running;
}

async function runUntilDrained(p: Platform, candles: number): Promise<void> {
  await until(async () => (p.ingest?.stats().candles ?? 0) >= candles, 200);
  await p.stopSources();
  const admin = kafkaAdmin(p.kafkaBrokers);
  await admin.connect();
  try {
    await waitDrained(admin, groups);
  } finally {
    await admin.disconnect();
  }
}

afterAll(async () => {
  await running?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('npm start stopped and started again on the same DATA_DIR', () => {
  it('resumes, reports the span it missed as a gap and backfills it: nothing lost, nothing duplicated', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pipeline-restart-'));
    const dataDir = join(dir, 'data');
    const t0 = Math.floor((Date.now() - 100 * 3_600_000) / 60_000) * 60_000;
    const first = await boot(dataDir, t0);
    await runUntilDrained(first, 8);
    const stoppedAt = first.simulator?.context.clock.now() ?? 0;
    await first.stop();
    running = undefined;

    // Ten simulated minutes pass while the platform is down.
    const second = await boot(dataDir, stoppedAt + 10 * 60_000);
    await until(async () => (second.ingest?.stats().gaps ?? 0) >= 1, 200);
    await runUntilDrained(second, 4);

    const sql = new pg.Client({ connectionString: second.timescaleUrl });
    await sql.connect();
    try {
      const gaps = await sql.query<{ reason: string }>('SELECT reason FROM gaps');
      expect(gaps.rows.map((g) => g.reason)).toContain('reconnect');
      const stored = await sql.query<{ ts: Date; close: number }>("SELECT ts, close FROM ohlcv WHERE symbol = 'BTC-USD' ORDER BY ts");
      const from = stored.rows[0]?.ts.getTime() ?? 0;
      const to = stored.rows.at(-1)?.ts.getTime() ?? 0;
      expect(to - from).toBeGreaterThan(10 * 60_000);
      const sim = second.simulator;
      if (sim === undefined) throw new Error('no simulator');
      const market = await fetchRange({ client: createRestClient({ baseUrl: sim.restUrl }), exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1m', from, to, source: 'simulator', now: () => sim.context.clock.now() });
      expect(stored.rows.map((r) => [r.ts.getTime(), r.close])).toEqual(market.candles.map((c) => [c.timestamp, c.close]));
    } finally {
      await sql.end();
    }
  });
});
