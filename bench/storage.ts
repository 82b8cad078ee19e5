/**
 * `npm run bench -- storage`: on the embedded engines (PGlite+TimescaleDB over the PG wire, chDB over HTTP),
 * 1. rows/s of the idempotent batched writer (validation + upsert) beside a plain INSERT of the same rows by the same
 *    driver into an identical table, in the same run (aim: upsert >= 80% of plain);
 * 2. p50/p99 of reading one year of 1m candles for one symbol downsampled to 500 points (aim: < 100 ms), which the read
 *    layer serves from a rollup.
 * 3. the writer's per-row contract check alone: zod's safeParse beside the schemas/fast path, on the same rows.
 * BENCH_ROWS (default 200,000) sets the write sample; the read sample is always one year (525,600 minutes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client-web';
import pg from 'pg';
import { createOhlcvWriter, createReadLayer, refreshRollups } from '../functions/lib/read/index.ts';
import { clickHouseRow, timescaleColumns, TIMESCALE_INSERT, TIMESCALE_UPSERT } from '../functions/lib/read/rows.ts';
import { clickHouseCandles } from '../functions/lib/read/fetch.ts';
import { planRead } from '../functions/lib/read/index.ts';
import { checkOhlcvMessage } from '../schemas/fast/ohlcv.ts';
import { OhlcvMessage } from '../schemas/ohlcv.ts';
import { startClickHouse } from '../scripts/engines/clickhouse/index.ts';
import { startTimescale } from '../scripts/engines/timescale/index.ts';
import { migrateClickHouse, migrateTimescale } from '../scripts/migrate.ts';
import { minuteSeries } from './lib/minute-series.ts';

const MINUTE = 60_000;
const YEAR_MINUTES = 525_600;
const BATCH = 5_000;
const READS = 60;

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function batches(rows: OhlcvMessage[], fn: (batch: OhlcvMessage[]) => Promise<unknown>): Promise<number> {
  return timed(async () => {
    for (let k = 0; k < rows.length; k += BATCH) await fn(rows.slice(k, k + BATCH));
  });
}

/** CPU time of checking every row (after one warm-up pass), so the validation share of the writer shows on its own. */
function checkTimed(rows: readonly OhlcvMessage[], check: (c: unknown) => boolean): number {
  let accepted = 0;
  for (const c of rows) if (check(c)) accepted++;
  const t = performance.now();
  for (const c of rows) if (check(c)) accepted++;
  const ms = performance.now() - t;
  if (accepted !== 2 * rows.length) throw new Error('bench rows must all be valid');
  return ms;
}

/**
 * Runs the sides batch by batch in turn (batch k of every side, then k+1 ...) and sums each side's time:
 * load from other processes and the engines' background work then hits every side alike instead of whichever ran last.
 */
async function interleaved(sides: ReadonlyArray<[OhlcvMessage[], (batch: OhlcvMessage[]) => Promise<unknown>]>): Promise<number[]> {
  const totals = sides.map(() => 0);
  for (let k = 0; k < (sides[0]?.[0].length ?? 0); k += BATCH) {
    // The first side rotates, so no side always runs right after another's insert (and its merges).
    for (let j = 0; j < sides.length; j++) {
      const i = (j + k / BATCH) % sides.length;
      const [rows, fn] = sides[i]!;
      totals[i]! += await timed(async () => { await fn(rows.slice(k, k + BATCH)); });
    }
  }
  return totals;
}

const rate = (rows: number, ms: number): string => `${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`;

export default async function storageBench(): Promise<void> {
  const rowsToWrite = Number(process.env.BENCH_ROWS ?? 200_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-storage-'));
  const [ts, ch] = await Promise.all([startTimescale({ dataDir: join(dir, 'ts') }), startClickHouse({ dataDir: join(dir, 'ch') })]);
  const pool = new pg.Pool({ connectionString: ts.url, max: 4 });
  const client = createClient({ url: ch.url });
  try {
    const c = await pool.connect();
    await migrateTimescale(c);
    c.release();
    await migrateClickHouse(client);
    // Plain twins: same columns, indexes and hypertable (TimescaleDB) / same columns and key (ClickHouse MergeTree).
    await pool.query('CREATE TABLE ohlcv_plain (LIKE ohlcv INCLUDING ALL)');
    await pool.query("SELECT create_hypertable('ohlcv_plain', by_range('ts', INTERVAL '7 days'))");
    await client.command({ query: 'CREATE TABLE ohlcv_plain AS ohlcv ENGINE = MergeTree PARTITION BY toYYYYMM(ts) ORDER BY (exchange, symbol, timeframe, ts, source)' });

    const start = Date.UTC(2024, 0, 1);
    const rows = minuteSeries('WRITE-USD', start, rowsToWrite);
    const tsWriter = createOhlcvWriter({ timescale: pool });
    const chWriter = createOhlcvWriter({ clickhouse: client });
    const plainTsInsert = (b: OhlcvMessage[]) => pool.query(TIMESCALE_INSERT.replace('INSERT INTO ohlcv ', 'INSERT INTO ohlcv_plain '), timescaleColumns(b));
    const plainChInsert = (b: OhlcvMessage[]) => client.insert({ table: 'ohlcv_plain', values: b.map(clickHouseRow), format: 'JSONEachRow' });
    // Warm both paths (wasm, plans, first chunks) on another symbol so neither side pays start-up costs in the figures.
    const warm = minuteSeries('WARM-USD', start, 2 * BATCH);
    await batches(warm, plainTsInsert);
    await batches(warm, (b) => tsWriter.write(b));
    await batches(warm, plainChInsert);
    await batches(warm, (b) => chWriter.write(b));
    // The same candles under another symbol, so the statement-only upsert also meets empty keys (a first delivery).
    const twin = rows.map((c) => ({ ...c, symbol: 'STMT-USD' }));
    const [plainTs, statementTs, upsertTs] = await interleaved([
      [rows, plainTsInsert], [twin, (b) => pool.query(TIMESCALE_UPSERT, timescaleColumns(b))], [rows, (b) => tsWriter.write(b)],
    ]) as [number, number, number];
    const redeliverTs = await batches(rows, (b) => tsWriter.write(b));
    const [plainCh, statementCh, upsertCh] = await interleaved([
      [rows, plainChInsert], [twin, (b) => client.insert({ table: 'ohlcv', values: b.map(clickHouseRow), format: 'JSONEachRow' })], [rows, (b) => chWriter.write(b)],
    ]) as [number, number, number];
    console.log(`storage writes: ${rowsToWrite.toLocaleString('en-US')} 1m candles in batches of ${BATCH}`);
    console.log(`  timescale  plain INSERT (pg, unnest)            ${rate(rowsToWrite, plainTs)}`);
    console.log(`  timescale  upsert statement (ON CONFLICT rule)  ${rate(rowsToWrite, statementTs)}  (${((plainTs / statementTs) * 100).toFixed(0)}% of plain)`);
    console.log(`  timescale  writer (validation + upsert)         ${rate(rowsToWrite, upsertTs)}  (${((plainTs / upsertTs) * 100).toFixed(0)}% of plain)`);
    console.log(`  timescale  writer upsert, re-delivery (no-op)   ${rate(rowsToWrite, redeliverTs)}  (${((plainTs / redeliverTs) * 100).toFixed(0)}% of plain)`);
    console.log(`  clickhouse plain INSERT into MergeTree          ${rate(rowsToWrite, plainCh)}`);
    console.log(`  clickhouse insert into ReplacingMergeTree       ${rate(rowsToWrite, statementCh)}  (${((plainCh / statementCh) * 100).toFixed(0)}% of plain)`);
    console.log(`  clickhouse writer (validation + insert)         ${rate(rowsToWrite, upsertCh)}  (${((plainCh / upsertCh) * 100).toFixed(0)}% of plain)`);
    const zodCheck = checkTimed(rows, (c) => OhlcvMessage.safeParse(c).success);
    const fastCheck = checkTimed(rows, (c) => checkOhlcvMessage(c).ok);
    console.log(`  contract check only: zod safeParse ${rate(rowsToWrite, zodCheck)} | schemas/fast ${rate(rowsToWrite, fastCheck)} (${(zodCheck / fastCheck).toFixed(1)}x)`);

    // Each store is loaded and read on its own so chDB's background merges do not share the two cores with PGlite's reads.
    const year = minuteSeries('YEAR-USD', start, YEAR_MINUTES);
    const loadTs = await batches(year, (b) => tsWriter.write(b));
    const refreshMs = await timed(() => refreshRollups(pool, start, start + YEAR_MINUTES * MINUTE));
    console.log(`storage reads: one year of 1m candles (${YEAR_MINUTES.toLocaleString('en-US')}) loaded into timescale in ${(loadTs / 1000).toFixed(1)} s; rollups refreshed in ${(refreshMs / 1000).toFixed(1)} s`);
    const read = createReadLayer({ timescale: pool, clickhouse: client });
    const query = { exchange: 'cccagg', symbol: 'YEAR-USD', timeframe: '1m' as const, from: start, to: start + YEAR_MINUTES * MINUTE - 1, maxPoints: 500 };
    const plan = planRead(query.timeframe, query.from, query.to, query.maxPoints);
    const measure = async (fn: () => Promise<number>): Promise<{ p50: number; p99: number; points: number }> => {
      let points = 0;
      const times: number[] = [];
      for (let i = 0; i < READS; i++) times.push(await timed(async () => { points = await fn(); }));
      times.sort((a, b) => a - b);
      return { p50: percentile(times, 50), p99: percentile(times, 99), points };
    };
    const tsRead = await measure(async () => (await read.candles(query)).candles.length);
    const rawRead = await measure(async () => {
      const { rows: r } = await pool.query('SELECT count(*)::int AS n FROM (SELECT ts FROM ohlcv WHERE symbol = $1 AND timeframe = $2) x', ['YEAR-USD', '1m']);
      return (r[0] as { n: number }).n;
    });
    const loadCh = await batches(year, (b) => chWriter.write(b));
    console.log(`  (clickhouse loaded in ${(loadCh / 1000).toFixed(1)} s; read with parts still unmerged)`);
    const chRead = await measure(async () => (await clickHouseCandles(client, plan.relation, { ...query, timeframe: plan.baseTimeframe })).length);
    console.log(`  timescale  candles(1y of 1m, maxPoints 500) via ${plan.relation.name}, ${tsRead.points} points: p50 ${tsRead.p50.toFixed(1)} ms, p99 ${tsRead.p99.toFixed(1)} ms`);
    console.log(`  clickhouse same series from ${plan.relation.name} (view over FINAL), ${chRead.points} rows: p50 ${chRead.p50.toFixed(1)} ms, p99 ${chRead.p99.toFixed(1)} ms`);
    console.log(`  baseline   timescale scan of the raw year (${rawRead.points} rows counted): p50 ${rawRead.p50.toFixed(1)} ms, p99 ${rawRead.p99.toFixed(1)} ms`);
  } finally {
    await client.close();
    await pool.end();
    await Promise.all([ts.stop(), ch.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
