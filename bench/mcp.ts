/**
 * `npm run bench -- mcp`: p50/p99 of get_candles for one year of 1m candles downsampled to 500 points, through the MCP
 * endpoint (SDK v2 client over HTTP: bearer auth, rate limit, batched audit write, JSON-RPC, zod in/out validation), beside
 * the same read done directly through the read layer, interleaved in the same run on the embedded TimescaleDB.
 * Aim: MCP overhead (p50 difference) < 2 ms. The embedded TimescaleDB runs in a worker thread, as `npm start` runs it
 * (in this thread its queries would share the event loop and heap with the MCP server, and its garbage would be billed
 * to whichever call a collection lands in). With TIMESCALE_URL set, the same runs on that server in a throwaway schema.
 *
 * Then, with the read answered from memory (no store): MCP alone, in process and over HTTP, beside two floors that any
 * JSON API delivering the same answer pays: its JSON-RPC message serialised and parsed in process, and served by a bare
 * Hono route (no auth, no JSON-RPC handling, no validation) to the same fetch client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client-web';
import { Hono } from 'hono';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pg from 'pg';
import { createOhlcvWriter, createReadLayer, refreshRollups } from '../functions/lib/read/index.ts';
import { createPlatformMarketRead } from '../functions/mcp/adapters/platform-market.ts';
import { createPlatformAuditLog, createPlatformKeyStore } from '../functions/mcp/adapters/platform-stores.ts';
import { createSqlDeps } from '../functions/mcp/adapters/sql-deps.ts';
import { ensureMcpTables } from '../functions/mcp/adapters/sql-schema.ts';
import { createMcpService } from '../functions/mcp/app.ts';
import type { McpDeps } from '../functions/mcp/deps.ts';
import { generateApiKey } from '../functions/mcp/security/keys.ts';
import { createTokenBucketLimiter } from '../functions/mcp/security/rate-limit.ts';
import { startTimescaleWorker } from '../scripts/lib/platform-workers.ts';
import { migrateTimescale } from '../scripts/migrate.ts';
import { listen } from './lib/listen.ts';
import { minuteSeries } from './lib/minute-series.ts';

const MINUTE = 60_000;
const YEAR_MINUTES = 525_600;
const READS = Number(process.env.BENCH_READS ?? 100);
const WARMUP = 5;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Wall and CPU milliseconds of one call. CPU time (this process, all threads) is steadier than wall time when other
 * processes compete for the machine's cores; the embedded store's work is in both, alike for every series. */
async function sample(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c = process.cpuUsage();
  const wall = await timed(fn);
  const used = process.cpuUsage(c);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

interface Stats { p50: number; p99: number; cpu50: number }

function stats(samples: { wall: number; cpu: number }[]): Stats {
  const wall = samples.map((s) => s.wall).sort((x, y) => x - y);
  const cpu = samples.map((s) => s.cpu).sort((x, y) => x - y);
  return { p50: percentile(wall, 50), p99: percentile(wall, 99), cpu50: percentile(cpu, 50) };
}

/**
 * `rounds` samples of every series, interleaved in a fresh (seeded) order every round: a series pays for the garbage the
 * one before it left (the next scavenge lands in whatever runs), so a fixed order would bill the same series for it
 * every time. Drift (GC, the engine's background work) then affects every series alike.
 */
async function interleaved(series: readonly (() => Promise<unknown>)[], rounds: number): Promise<{ wall: number; cpu: number }[][]> {
  const times = series.map(() => [] as { wall: number; cpu: number }[]);
  let seed = 0x9e3779b9;
  const random = (): number => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return seed / 2 ** 32;
  };
  for (let i = 0; i < rounds; i++) {
    const order = series.map((_, k) => k);
    for (let j = order.length - 1; j > 0; j--) {
      const r = Math.floor(random() * (j + 1));
      [order[j], order[r]] = [order[r] as number, order[j] as number];
    }
    for (const k of order) times[k]?.push(await sample(series[k] as () => Promise<unknown>));
  }
  return times;
}

/** MCP calls recorded in the platform audit_log (the pool's search_path picks the bench's schema on a server). */
async function auditRows(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE action = 'mcp.tool_call'`);
  return Number(rows[0]?.n ?? 0);
}

export default async function mcpBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mcp-'));
  const external = process.env.TIMESCALE_URL !== undefined && process.env.TIMESCALE_URL !== '' ? process.env.TIMESCALE_URL : undefined;
  const schema = `bench_mcp_${Date.now().toString(36)}`;
  if (external !== undefined) {
    const admin = new pg.Client({ connectionString: external });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.end();
  }
  const ts = external === undefined ? await startTimescaleWorker(join(dir, 'ts')) : { url: `${external}${external.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`, stop: async () => undefined };
  const pool = new pg.Pool({ connectionString: ts.url, max: Number(process.env.BENCH_POOL ?? 4) });
  const ch = createClient({ url: 'http://127.0.0.1:9' }); // the read path below never touches ClickHouse
  const server = { close: async (): Promise<void> => undefined };
  try {
    const c = await pool.connect();
    await migrateTimescale(c);
    c.release();
    const start = Date.UTC(2024, 0, 1);
    const writer = createOhlcvWriter({ timescale: pool });
    // The year is generated inside the load, so its 525,600 row objects are garbage before the timed reads: kept
    // alive, every major GC in the timed loop would walk them, billed to whichever call it lands in.
    const loadMs = await timed(async () => {
      const rows = minuteSeries('YEAR-USD', start, YEAR_MINUTES);
      for (let k = 0; k < rows.length; k += 5000) await writer.write(rows.slice(k, k + 5000));
    });
    await refreshRollups(pool, start, start + YEAR_MINUTES * MINUTE);
    await ensureMcpTables(pool, `${schema}_mcp`);

    const layer = createReadLayer({ timescale: pool, clickhouse: ch });
    const keys = createPlatformKeyStore(pool);
    const { token, record } = await generateApiKey('bench', ['read'], Date.now());
    await keys.insert(record);
    const mcpDeps: McpDeps = {
      ...createSqlDeps({ sql: pool, schema: `${schema}_mcp`, platformSql: pool, config: { snapshotPollMs: 0 }, rateLimiter: createTokenBucketLimiter({ capacity: 1e6, refillPerSec: 1e6 }) }),
      read: createPlatformMarketRead({ layer, sql: pool, streams: { exchange: 'cccagg', symbols: ['YEAR-USD'] } }),
      keys,
      audit: createPlatformAuditLog(pool),
    };
    const service = createMcpService(mcpDeps);
    const http = await listen(service.app);
    server.close = async () => {
      await service.close();
      await http.close();
    };
    const url = `${http.url}mcp`;
    const client = new Client({ name: 'bench', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));

    const to = start + YEAR_MINUTES * MINUTE - 1;
    const args = { symbol: 'YEAR-USD', timeframe: '1m', range: { from: start, to }, maxPoints: 500, limit: 500 };
    const direct = async (): Promise<number> => (await layer.candles({ exchange: 'cccagg', symbol: 'YEAR-USD', timeframe: '1m', from: start, to, maxPoints: 500 })).candles.length;
    const viaClient = async (): Promise<number> => {
      const r = await client.callTool({ name: 'get_candles', arguments: args });
      if (r.isError === true) throw new Error(`get_candles failed: ${JSON.stringify(r.content).slice(0, 300)}`);
      return ((r.structuredContent as { candles: unknown[] }).candles).length;
    };
    // The same 2026-07-28 request as raw HTTP (no client library) and in-process (no socket): where the overhead sits.
    const callBody = (a: Record<string, unknown>): string => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_candles', arguments: a, _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } } });
    const body = callBody(args);
    const headers = { host: '127.0.0.1', authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'get_candles' };
    const count = async (r: Response): Promise<number> => {
      const msg = JSON.parse(await r.text()) as { result?: { structuredContent?: { candles: unknown[] } } };
      const n = msg.result?.structuredContent?.candles.length;
      if (r.status !== 200 || n === undefined) throw new Error(`get_candles failed with HTTP ${r.status}`);
      return n;
    };
    const viaHttp = async (): Promise<number> => count(await fetch(url, { method: 'POST', headers, body }));
    const inProcess = async (): Promise<number> => count(await service.app.fetch(new Request('http://127.0.0.1/mcp', { method: 'POST', headers, body })));
    // The same read with encoding "columns" (one array per field): about half the bytes to build, serialise and parse.
    const columnsBody = callBody({ ...args, encoding: 'columns' });
    const inProcessColumns = async (): Promise<number> => {
      const r = await service.app.fetch(new Request('http://127.0.0.1/mcp', { method: 'POST', headers, body: columnsBody }));
      const msg = JSON.parse(await r.text()) as { result?: { structuredContent?: { columns?: { t: unknown[] } } } };
      const n = msg.result?.structuredContent?.columns?.t.length;
      if (r.status !== 200 || n === undefined) throw new Error(`get_candles (columns) failed with HTTP ${r.status}`);
      return n;
    };

    const series: [string, () => Promise<number>][] = [
      ['baseline  read layer candles() directly', direct],
      ['mcp       in-process app.fetch (gate + SDK + tool, no socket)', inProcess],
      ['mcp       in-process app.fetch, encoding "columns"', inProcessColumns],
      ['mcp       raw HTTP POST tools/call', viaHttp],
      ['mcp       SDK v2 client callTool over HTTP', viaClient],
    ];
    const points = await Promise.all(series.map(([, fn]) => fn()));
    for (let i = 0; i < WARMUP; i++) for (const [, fn] of series) await fn();
    // Audit records are written as in production: batched by the service's own timer, whichever sample that lands in.
    await service.flushAudits();
    const auditedBefore = await auditRows(pool);
    const times = await interleaved(series.map(([, fn]) => fn), READS);
    await client.close();
    await service.flushAudits();
    const audited = (await auditRows(pool)) - auditedBefore;

    // The MCP cost alone: the same service with its read port answering the captured result from memory, so the
    // embedded store's work (which shares this event loop and dominates the variance above) is out of the sample.
    const captured = await createPlatformMarketRead({ layer, sql: pool, streams: { exchange: 'cccagg', symbols: [] } })
      .candles({ exchange: 'cccagg', symbol: 'YEAR-USD', timeframe: '1m', from: start, to, limit: 501, maxPoints: 500 });
    const memoryService = createMcpService({ ...mcpDeps, read: { ...mcpDeps.read, candles: async () => captured } });
    const memoryHttp = await listen(memoryService.app);
    const fromMemory = async (): Promise<number> => count(await memoryService.app.fetch(new Request('http://127.0.0.1/mcp', { method: 'POST', headers, body })));
    const fromMemoryHttp = async (): Promise<number> => count(await fetch(`${memoryHttp.url}mcp`, { method: 'POST', headers, body }));
    // The floors: what delivering this same answer costs without MCP. Its JSON-RPC message, serialised and parsed in
    // process, and served by a bare Hono route (no auth, no JSON-RPC handling, no validation) to the same fetch client.
    const answer = JSON.parse(await (await memoryService.app.fetch(new Request('http://127.0.0.1/mcp', { method: 'POST', headers, body }))).text()) as unknown;
    const bare = new Hono().post('/', (c) => c.json(answer as object));
    const bareHttp = await listen(bare);
    const jsonRoundTrip = async (): Promise<number> => (JSON.parse(JSON.stringify(answer)) as { result: { structuredContent: { candles: unknown[] } } }).result.structuredContent.candles.length;
    const bareRoute = async (): Promise<number> => count(await fetch(bareHttp.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
    const memorySeries = [fromMemory, fromMemoryHttp, jsonRoundTrip, bareRoute];
    for (let i = 0; i < WARMUP * 10; i++) for (const fn of memorySeries) await fn();
    const [pure, pureHttp, jsonFloor, httpFloor] = (await interleaved(memorySeries, READS * 10)).map(stats) as [Stats, Stats, Stats, Stats];
    await memoryHttp.close();
    await bareHttp.close();
    await memoryService.close();
    const all = times.map(stats);
    const base = all[0] as Stats;
    console.log(`store: ${external === undefined ? 'embedded TimescaleDB (PGlite, in a worker thread)' : `TIMESCALE_URL server, schema ${schema}`}`);
    console.log(`mcp: get_candles, one year of 1m candles (${YEAR_MINUTES.toLocaleString('en-US')}, loaded in ${(loadMs / 1000).toFixed(1)} s) downsampled to maxPoints 500; ${READS} interleaved reads each`);
    const line = (label: string, n: number, s: Stats): string => `  ${label.padEnd(66)} ${n} points: p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, cpu p50 ${s.cpu50.toFixed(2)} ms`;
    series.forEach(([label], k) => {
      const s = all[k] as Stats;
      const extra = k === 0 ? '' : `   overhead p50 ${(s.p50 - base.p50).toFixed(2)} ms, p99 ${(s.p99 - base.p99).toFixed(2)} ms, cpu p50 ${(s.cpu50 - base.cpu50).toFixed(2)} ms`;
      console.log(`${line(label, points[k] as number, s)}${extra}`);
    });
    console.log(`  answered from memory (no store), ${READS * 10} interleaved calls each:`);
    console.log(`${line('floor     the answer\'s JSON: stringify + parse in process', captured.candles.length, jsonFloor)}`);
    console.log(`${line('floor     the answer from a bare Hono route over HTTP (no MCP)', captured.candles.length, httpFloor)}`);
    console.log(`${line('mcp       in-process app.fetch', captured.candles.length, pure)}   (= MCP cost alone)`);
    console.log(`${line('mcp       raw HTTP POST tools/call', captured.candles.length, pureHttp)}   over the bare route: p50 +${(pureHttp.p50 - httpFloor.p50).toFixed(2)} ms`);
    console.log(`  audit rows written for the timed MCP calls: ${audited} of ${READS * (series.length - 1)}`);
    console.log('  aim: MCP overhead < 2 ms at p50');
  } finally {
    await server.close();
    await ch.close();
    if (external !== undefined) await pool.query(`DROP SCHEMA "${schema}" CASCADE; DROP SCHEMA IF EXISTS "${schema}_mcp" CASCADE`).catch(() => undefined);
    await pool.end();
    await ts.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
