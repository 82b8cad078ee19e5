/**
 * `npm run bench -- sink`: rows/s of the TimescaleDB sink's statement shape (Connect's sql_insert: one multi-row
 * `INSERT ... VALUES` per batch) on the embedded PGlite+TimescaleDB, in the same run:
 *   plain INSERT into an identical hypertable (baseline) | the former direct upsert (`ohlcv` + ON CONFLICT rule) |
 *   the staged insert (`ohlcv_ingest`, sql/timescale/007: trigger keeps one row per key and upserts it).
 * Sides run batch by batch in turn on distinct symbols; then each upsert side gets the same batches again (re-delivery,
 * no-op), and the staged side a batch holding every candle twice (which the direct upsert refuses).
 * BENCH_ROWS (default 100,000) rows in batches of BENCH_BATCH (default 1,000: about what a 1 MB broker batch holds).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { OHLCV_COLUMNS, TIMESCALE_UPSERT } from '../functions/lib/read/rows.ts';
import { qualityMask } from '../functions/lib/read/quality.ts';
import { startTimescale } from '../scripts/engines/timescale/index.ts';
import { migrateTimescale } from '../scripts/migrate.ts';

const MINUTE = 60_000;
type Row = unknown[];

/** One candle as the sink's args_mapping makes it (ISO timestamps, flags as an array literal). */
function row(symbol: string, i: number, start: number): Row {
  const open = 30_000 + Math.sin(i / 97) * 50;
  const close = open + ((i * 7919) % 13) - 6;
  const iso = (ms: number): string => new Date(ms).toISOString();
  return ['simulator', 'cccagg', symbol, '1m', iso(start + i * MINUTE), open, Math.max(open, close) + 3, Math.min(open, close) - 3, close,
    1 + (i % 17), (1 + (i % 17)) * close, 10 + (i % 50), 'closed', 0, iso(start + (i + 1) * MINUTE), 'rest', 'direct', '', '{}',
    qualityMask([]), 'high', null];
}

function statement(table: string, rows: number, suffix = ''): string {
  const n = OHLCV_COLUMNS.length;
  const values = Array.from({ length: rows }, (_, r) => `(${OHLCV_COLUMNS.map((_, c) => `$${r * n + c + 1}`).join(', ')})`).join(', ');
  return `INSERT INTO ${table} (${OHLCV_COLUMNS.join(', ')}) VALUES ${values}${suffix ? ` ${suffix}` : ''}`;
}

const rate = (rows: number, ms: number): string => `${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`;

export default async function sinkBench(): Promise<void> {
  const total = Number(process.env.BENCH_ROWS ?? 100_000);
  const batch = Number(process.env.BENCH_BATCH ?? 1_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-sink-'));
  const engine = await startTimescale({ dataDir: join(dir, 'ts') });
  const pool = new pg.Pool({ connectionString: engine.url, max: 2 });
  try {
    const c = await pool.connect();
    await migrateTimescale(c);
    c.release();
    await pool.query('CREATE TABLE ohlcv_plain (LIKE ohlcv INCLUDING ALL)');
    await pool.query("SELECT create_hypertable('ohlcv_plain', by_range('ts', INTERVAL '7 days'))");
    const upsertSuffix = TIMESCALE_UPSERT.slice(TIMESCALE_UPSERT.indexOf('ON CONFLICT'));
    const start = Date.UTC(2024, 0, 1);
    const sides: Array<[string, string, string]> = [
      ['plain INSERT (baseline)', 'PLAIN-USD', statement('ohlcv_plain', batch)],
      ['direct upsert (former sink)', 'DIRECT-USD', statement('ohlcv', batch, upsertSuffix)],
      ['staged insert (ohlcv_ingest)', 'STAGED-USD', statement('ohlcv_ingest', batch)],
    ];
    const run = async (sql: string, symbol: string, k: number): Promise<number> => {
      const params = Array.from({ length: batch }, (_, i) => row(symbol, k + i, start)).flat();
      const t = performance.now();
      await pool.query(sql, params);
      return performance.now() - t;
    };
    // Warm-up on other symbols: plans, wasm, first chunks.
    for (const [, symbol, sql] of sides) for (let k = 0; k < 5 * batch; k += batch) await run(sql, `W${symbol}`, k);
    const totals = sides.map(() => 0);
    for (let k = 0; k < total; k += batch) {
      for (let j = 0; j < sides.length; j++) {
        const i = (j + k / batch) % sides.length;
        const [, symbol, sql] = sides[i]!;
        totals[i]! += await run(sql, symbol, k);
      }
    }
    const again = [0, 0];
    for (let k = 0; k < total; k += batch) {
      for (const i of [1, 2]) again[i - 1]! += await run(sides[i]![2], sides[i]![1], k);
    }
    // Every candle twice in one batch: the staged path keeps one per key (the direct upsert would refuse the batch).
    const half = Math.floor(batch / 2);
    const twice = statement('ohlcv_ingest', 2 * half);
    let dupMs = 0;
    for (let k = 0; k < total; k += half) {
      const rows = Array.from({ length: half }, (_, i) => row('TWICE-USD', k + i, start));
      const t = performance.now();
      await pool.query(twice, [...rows, ...rows].flat());
      dupMs += performance.now() - t;
    }
    const staged = await pool.query<{ n: number; bytes: string }>("SELECT count(*)::int AS n, pg_size_pretty(pg_total_relation_size('ohlcv_ingest')) AS bytes FROM ohlcv_ingest");
    console.log(`sink writes: ${total.toLocaleString('en-US')} 1m candles in multi-row VALUES batches of ${batch} (Connect sql_insert shape)`);
    sides.forEach(([name], i) => {
      console.log(`  ${name.padEnd(30)} ${rate(total, totals[i]!)}${i === 0 ? '' : `  (${((totals[0]! / totals[i]!) * 100).toFixed(0)}% of plain)`}`);
    });
    console.log(`  re-delivery, direct upsert      ${rate(total, again[0]!)}  (${((totals[0]! / again[0]!) * 100).toFixed(0)}% of plain)`);
    console.log(`  re-delivery, staged insert      ${rate(total, again[1]!)}  (${((totals[0]! / again[1]!) * 100).toFixed(0)}% of plain)`);
    console.log(`  staged, every candle twice      ${rate(total * 2, dupMs)} rows in (${rate(total, dupMs)} candles kept); rows left staged: ${staged.rows[0]!.n}`);
    // PGlite runs no autovacuum: the staging table's dead rows stay on disk until a VACUUM (a server vacuums it itself).
    console.log(`  ohlcv_ingest on disk after ${(4 * total).toLocaleString('en-US')} staged rows: ${staged.rows[0]!.bytes}`);
  } finally {
    await pool.end();
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
