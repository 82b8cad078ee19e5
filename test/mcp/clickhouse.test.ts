/** run_analytics on ClickHouse: the named queries against the embedded chDB engine with the platform migrations. */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client-web';
import type { ClickHouseClient } from '@clickhouse/client-web';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOhlcvWriter, createReadLayer } from '../../functions/lib/read/index.ts';
import { createPlatformMarketRead } from '../../functions/mcp/adapters/platform-market.ts';
import { createClickHouseAnalytics } from '../../functions/mcp/adapters/clickhouse-analytics.ts';
import { createMcpService } from '../../functions/mcp/app.ts';
import type { AnalyticsPort } from '../../functions/mcp/ports.ts';
import { startClickHouse } from '../../scripts/engines/clickhouse/index.ts';
import type { ClickHouseEngine } from '../../scripts/engines/clickhouse/index.ts';
import { migrateClickHouse } from '../../scripts/migrate.ts';
import { modernClient } from './clients.ts';
import { startFixture } from './fixture.ts';
import type { Fixture } from './fixture.ts';
import { createPlatformDb, minuteCandles, writeCandles } from './platform-db.ts';

const START = Date.UTC(2026, 9, 1);
const COUNT = 3 * 1440;
const END = START + (COUNT - 1) * 60_000;
const btc = minuteCandles('BTC-USD', START, COUNT);
const eth = minuteCandles('ETH-USD', START, COUNT);

let dir: string;
let engine: ClickHouseEngine;
let client: ClickHouseClient;
let analytics: AnalyticsPort;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mcp-ch-'));
  engine = await startClickHouse({ dataDir: dir });
  client = createClient({ url: engine.url });
  await migrateClickHouse(client);
  const writer = createOhlcvWriter({ clickhouse: client });
  for (const series of [btc, eth]) {
    for (let i = 0; i < series.length; i += 2000) await writer.write(series.slice(i, i + 2000));
  }
  analytics = createClickHouseAnalytics(client);
});

afterAll(async () => {
  await client?.close();
  await engine?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const params = { exchange: 'cccagg', symbols: ['BTC-USD', 'ETH-USD'], timeframe: '1m' as const, from: START, to: END, buckets: 10, limit: 100 };

describe('named ClickHouse analytics', () => {
  it('returns: bars and first/last close per symbol', async () => {
    const rows = await analytics.run('returns', params);
    expect(rows.map((r) => [r.symbol, r.bars, r.first_close, r.last_close])).toEqual([
      ['BTC-USD', COUNT, btc[0]?.close, btc.at(-1)?.close],
      ['ETH-USD', COUNT, eth[0]?.close, eth.at(-1)?.close],
    ]);
    const total = rows[0]?.total_return_pct as number;
    expect(total).toBeCloseTo((((btc.at(-1)?.close ?? 0) / (btc[0]?.close ?? 1)) - 1) * 100, 9);
  });

  it('volatility over the 1h rollup, correlation, volume profile and top movers', async () => {
    const vol = await analytics.run('volatility', { ...params, timeframe: '1h' });
    expect(vol.map((r) => r.returns)).toEqual([71, 71]);
    expect(vol.every((r) => (r.annualized_pct as number) > 0)).toBe(true);
    const corr = await analytics.run('correlation', params);
    expect(corr).toHaveLength(1);
    expect(corr[0]).toEqual(expect.objectContaining({ symbol_a: 'BTC-USD', symbol_b: 'ETH-USD', pairs: COUNT - 1 }));
    // Both series follow the same shape, so their returns are almost perfectly correlated.
    expect(corr[0]?.correlation as number).toBeGreaterThan(0.99);
    const profile = await analytics.run('volume_profile', params);
    const btcVolume = profile.filter((r) => r.symbol === 'BTC-USD').reduce((s, r) => s + (r.volume as number), 0);
    expect(btcVolume).toBeCloseTo(btc.reduce((s, c) => s + c.volume, 0), 6);
    expect(profile.filter((r) => r.symbol === 'BTC-USD').length).toBeLessThanOrEqual(10);
    const movers = await analytics.run('top_movers', params);
    const changes = movers.map((r) => r.change_pct as number);
    expect(changes).toEqual([...changes].sort((a, b) => b - a));
  });

  it('serves run_analytics through MCP with a hostile symbol refused before any query', async () => {
    let f: Fixture | undefined;
    let server: ReturnType<typeof serve> | undefined;
    const service = await (async () => {
      f = await startFixture({ snapshotPollMs: 0 });
      return createMcpService({ ...f.deps, analytics });
    })();
    try {
      server = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise<void>((resolve) => server?.once('listening', () => resolve()));
      const c = await modernClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, f?.keys.read as string);
      try {
        const r = await c.call('run_analytics', { query: 'top_movers', symbols: ['BTC-USD', 'ETH-USD'], timeframe: '1m', range: { from: START, to: END } });
        expect(r.isError).toBe(false);
        expect((r.structured.rows as { symbol: string }[]).map((x) => x.symbol).sort()).toEqual(['BTC-USD', 'ETH-USD']);
        const bad = await c.call('run_analytics', { query: 'top_movers', symbols: ["BTC-USD') OR 1=1 --"], range: { from: START, to: END } });
        expect(bad.isError).toBe(true);
      } finally {
        await c.close();
      }
    } finally {
      await service.close();
      await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
      await f?.stop();
    }
  });
});

describe('list_markets coverage from both stores', () => {
  it('reports TimescaleDB and ClickHouse coverage per timeframe, and the stores that answer when one fails', async () => {
    const db = await createPlatformDb('mcp_cov');
    try {
      await writeCandles(db.pool, btc);
      await db.pool.query(`INSERT INTO market_metadata (exchange, symbol, base, quote) VALUES ('cccagg', 'BTC-USD', 'BTC', 'USD'), ('cccagg', 'ETH-USD', 'ETH', 'USD')`);
      const layer = createReadLayer({ timescale: db.pool, clickhouse: client });
      expect(await layer.clickHouseCoverage({ timeframe: '1m', symbol: 'ETH-USD' })).toEqual([
        { exchange: 'cccagg', symbol: 'ETH-USD', timeframe: '1m', first: START, last: END, candles: COUNT, expected: COUNT, completeness: 1 },
      ]);
      expect((await layer.clickHouseCoverage({ timeframe: '1h' })).map((c) => [c.symbol, c.candles, c.first])).toEqual([['BTC-USD', COUNT / 60, START], ['ETH-USD', COUNT / 60, START]]);

      const market = createPlatformMarketRead({ layer, sql: db.pool, streams: { exchange: 'cccagg', symbols: ['BTC-USD'] } });
      const [btcMarket, ethMarket] = await market.markets({ limit: 10 });
      const sorted = (cov: { store: string; timeframe: string }[] | undefined) => [...(cov ?? [])].sort((a, b) => `${a.store}${a.timeframe}`.localeCompare(`${b.store}${b.timeframe}`));
      expect(sorted(btcMarket?.coverage)).toEqual([
        { store: 'clickhouse', timeframe: '1d', first: START, last: Date.UTC(2026, 9, 3), candles: 3 },
        { store: 'clickhouse', timeframe: '1h', first: START, last: END - 59 * 60_000, candles: COUNT / 60 },
        { store: 'clickhouse', timeframe: '1m', first: START, last: END, candles: COUNT },
        { store: 'timescale', timeframe: '1d', first: START, last: Date.UTC(2026, 9, 3), candles: 3 },
        { store: 'timescale', timeframe: '1h', first: START, last: END - 59 * 60_000, candles: COUNT / 60 },
        { store: 'timescale', timeframe: '1m', first: START, last: END, candles: COUNT },
      ]);
      // ETH-USD was written to ClickHouse only.
      expect(sorted(ethMarket?.coverage).map((c) => c.store)).toEqual(['clickhouse', 'clickhouse', 'clickhouse']);

      const failures: unknown[] = [];
      const deadClickHouse = createClient({ url: 'http://127.0.0.1:9' });
      try {
        const partial = createPlatformMarketRead({ layer: createReadLayer({ timescale: db.pool, clickhouse: deadClickHouse }), sql: db.pool, streams: { exchange: 'cccagg', symbols: [] }, onStoreError: (e) => failures.push(e) });
        const [only] = await partial.markets({ limit: 1 });
        expect(only?.coverage.map((c) => c.store)).toEqual(['timescale', 'timescale', 'timescale']);
        expect(failures).toHaveLength(1);
      } finally {
        await deadClickHouse.close();
      }
    } finally {
      await db.drop();
    }
  });
});
