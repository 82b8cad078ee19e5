/**
 * The platform's own TimescaleDB/PostgreSQL layout (sql/timescale migrations) in a throwaway schema of the real
 * PostgreSQL, filled through the read layer's writer: what the MCP server reads in production.
 */
import pg from 'pg';
import { createOhlcvWriter } from '../../functions/lib/read/index.ts';
import type { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { migrateTimescale } from '../../scripts/migrate.ts';
import { PG_URL } from './fixture.ts';

export interface PlatformDb { pool: pg.Pool; schema: string; url: string; drop(): Promise<void> }

export async function createPlatformDb(prefix = 'mcp_platform'): Promise<PlatformDb> {
  const schema = `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.end();
  const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  const client = await pool.connect();
  try {
    await migrateTimescale(client);
  } finally {
    client.release();
  }
  return {
    pool, schema, url,
    async drop() {
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

/** Deterministic 1m candles (closed; the last one forming when asked). */
export function minuteCandles(symbol: string, start: number, count: number, opts: { formingLast?: boolean } = {}): OhlcvMessage[] {
  const base = symbol.startsWith('BTC') ? 60_000 : 3_000;
  const out: OhlcvMessage[] = [];
  let prev = base;
  for (let i = 0; i < count; i++) {
    const close = +(base * (1 + 0.05 * Math.sin(i / 97) + 0.01 * Math.sin(i / 7))).toFixed(2);
    const forming = opts.formingLast === true && i === count - 1;
    out.push({
      schemaVersion: 1, source: 'simulator', exchange: 'cccagg', symbol, timeframe: '1m', timestamp: start + i * 60_000,
      open: prev, high: Math.max(prev, close) * 1.001, low: Math.min(prev, close) * 0.999, close, volume: 5 + (i % 11), quoteVolume: (5 + (i % 11)) * close, trades: null,
      state: forming ? 'forming' : 'closed', revision: 0, receivedAt: start + i * 60_000 + 60_500, transport: 'rest', conversion: { type: 'direct', symbol: '' },
      quality: { flags: i === 5 ? ['gap_before'] : [], level: i === 5 ? 'medium' : 'high', ...(i === 5 ? { gapBeforeMs: 60_000 } : {}) },
    });
    prev = close;
  }
  return out;
}

export async function writeCandles(pool: pg.Pool, candles: OhlcvMessage[], batch = 5000): Promise<void> {
  const writer = createOhlcvWriter({ timescale: pool });
  for (let i = 0; i < candles.length; i += batch) {
    const results = await writer.write(candles.slice(i, i + batch));
    const refused = results.find((r) => !r.ok);
    if (refused !== undefined && !refused.ok) throw refused.error;
  }
}
