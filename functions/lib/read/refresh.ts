import type { SqlPort } from './types.ts';
import { ROLLUPS } from './relations.ts';

const DAY_MS = 86_400_000;

/**
 * Re-materialises every continuous aggregate over [fromMs, toMs], finest first so the 1h-derived ones (4h, 1d) read a
 * refreshed 1h. Run it after writing late revisions older than the policies' windows (003_policies.sql). The window is
 * widened to whole days so every affected bucket of every rollup is complete. No-op without TimescaleDB (plain views).
 */
export async function refreshRollups(sql: SqlPort, fromMs: number, toMs: number): Promise<void> {
  const { rows } = await sql.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'", [],
  );
  if ((rows[0]?.n ?? 0) === 0) return;
  const start = Math.floor(fromMs / DAY_MS) * DAY_MS;
  const end = (Math.floor(toMs / DAY_MS) + 1) * DAY_MS;
  for (const { relation } of ROLLUPS) {
    await sql.query(
      `CALL refresh_continuous_aggregate('${relation.name}', to_timestamp($1::float8 / 1000), to_timestamp($2::float8 / 1000))`,
      [start, end],
    );
  }
}
