import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../scripts/engines/simulator/clock.ts';
import { startSimulator, type RunningSimulator } from '../../scripts/engines/simulator/server.ts';

/** `npm run backfill` end to end: a real child process (tsx) against the simulator over a real socket. */

const NOW = Date.UTC(2026, 0, 10, 12, 30, 20);
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const BACKFILL = fileURLToPath(new URL('../../scripts/backfill.ts', import.meta.url));
const KEY = 'backfill-secret-key-77';
let sim: RunningSimulator;
let dir: string;

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [BACKFILL, ...args], {
      env: { ...process.env, CRYPTOCOMPARE_REST_URL: sim.restUrl, CRYPTOCOMPARE_API_KEY: KEY, DATA_DIR: dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The exact line the backfill must write for a closed 1m candle, receivedAt zeroed. */
function expectedLine(symbol: string, t: number): string {
  const c = sim.context.market.candle('cccagg', symbol, '1m', t, NOW);
  const zero = c.volumefrom === 0;
  return JSON.stringify({
    source: 'cryptocompare', exchange: 'cccagg', symbol, timeframe: '1m', timestamp: t, schemaVersion: 1,
    open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volumefrom, quoteVolume: c.volumeto, trades: null,
    state: 'closed', revision: 0, receivedAt: 0, transport: 'rest', conversion: { type: 'direct', symbol: '' },
    quality: zero ? { flags: ['zero_volume_fill'], level: 'medium' } : { flags: [], level: 'high' },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backfill-'));
  sim = await startSimulator({ port: 0, seed: 21, clock: manualClock(NOW), apiKeys: [KEY], symbols: ['BTC-USD', 'ETH-USD'], rateLimits: { second: 10_000, minute: 10_000 } });
});
afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('backfill CLI', () => {
  it('writes exact, validated, oldest-first NDJSON without duplicates across pages and symbols', async () => {
    const from = Date.UTC(2026, 0, 8, 20, 0);
    const to = Date.UTC(2026, 0, 10, 8, 0);
    const out = join(dir, 'out.ndjson');
    const { code, stderr } = await run(['--symbols', 'BTC-USD,eth/usd', '--timeframe', '1m', '--from', new Date(from).toISOString(), '--to', new Date(to).toISOString(), '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/page 2/);
    expect(stderr).not.toContain(KEY);
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
    const expected: string[] = [];
    for (let t = from; t <= to; t += 60_000) for (const s of ['BTC-USD', 'ETH-USD']) expected.push(expectedLine(s, t));
    expect(lines).toHaveLength(expected.length);
    const zeroed = lines.map((l) => l.replace(/"receivedAt":\d+/, '"receivedAt":0'));
    expect(zeroed).toEqual(expected);
    expect(lines.every((l) => /"receivedAt":[1-9]\d+/.test(l))).toBe(true);
  });

  it('--out - writes NDJSON to stdout (hourly, inclusive of both ends)', async () => {
    const { code, stdout } = await run(['--symbols', 'ETH-USD', '--timeframe', '1h', '--from', '2026-01-09T00:00:00Z', '--to', '2026-01-09T05:00:00Z', '--out', '-']);
    expect(code).toBe(0);
    const rows = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { timestamp: number; close: number });
    expect(rows.map((r) => r.timestamp)).toEqual([0, 1, 2, 3, 4, 5].map((h) => Date.UTC(2026, 0, 9, h)));
    expect(rows[5]!.close).toBe(sim.context.market.candle('cccagg', 'ETH-USD', '1h', Date.UTC(2026, 0, 9, 5), NOW).close);
  });

  it('minutes older than the min-api 7 days come from the Data API when CRYPTOCOMPARE_DATA_API_URL is set', async () => {
    const from = Date.UTC(2026, 0, 1, 10, 0);
    const to = Date.UTC(2026, 0, 1, 11, 0);
    const args = ['--symbols', 'BTC-USD', '--timeframe', '1m', '--from', new Date(from).toISOString(), '--to', new Date(to).toISOString(), '--out', '-'];
    const without = await run(args);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/CC_NO_DATA.*7 days/);
    const { code, stdout, stderr } = await run(args, { CRYPTOCOMPARE_DATA_API_URL: sim.restUrl });
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('Data API');
    const zeroed = stdout.trimEnd().split('\n').map((l) => l.replace(/"receivedAt":\d+/, '"receivedAt":0'));
    const expected: string[] = [];
    for (let t = from; t <= to; t += 60_000) expected.push(expectedLine('BTC-USD', t));
    // The Data API reports trade counts; min-api does not.
    expect(zeroed.map((l) => l.replace(/"trades":\d+/, '"trades":null'))).toEqual(expected);
  });

  it('bad arguments: clear message, exit code 2, nothing fetched', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--timeframe', '1m', '--from', '2026-01-01', '--to', '2026-01-02', '--out', '-'], /--symbols is required/],
      [['--symbols', 'BTC-USD', '--timeframe', '2m', '--from', '2026-01-01', '--to', '2026-01-02', '--out', '-'], /--timeframe must be one of/],
      [['--symbols', 'BTC-USD', '--timeframe', '1m', '--from', 'yesterday', '--to', '2026-01-02', '--out', '-'], /--from "yesterday" is not an ISO time/],
      [['--symbols', 'BTC-USD', '--timeframe', '1m', '--from', '2026-01-03', '--to', '2026-01-02', '--out', '-'], /is after --to/],
      [['--symbols', 'BTC-USD', '--timeframe', '1m', '--from', '2026-01-01', '--to', '2026-01-02'], /--out is required/],
      [['--symbols', 'NOT A SYMBOL', '--timeframe', '1m', '--from', '2026-01-01', '--to', '2026-01-02', '--out', '-'], /is not a symbol/],
      [['--bogus'], /Unknown option/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr, stdout } = await run(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
      expect(stdout).toBe('');
    }
  });

  it('runtime failures exit 1 with the typed error and never print the key', async () => {
    const { code, stderr } = await run(['--symbols', 'BTC-USD', '--timeframe', '1h', '--from', '2026-01-09T00:00:00Z', '--to', '2026-01-09T05:00:00Z', '--out', '-'], { CRYPTOCOMPARE_API_KEY: 'not-the-right-key-123' });
    expect(code).toBe(1);
    expect(stderr).toContain('CC_UNAUTHORIZED');
    expect(stderr).not.toContain('not-the-right-key-123');
  });
});
