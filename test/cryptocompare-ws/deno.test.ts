import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { acceleratedClock } from '../../scripts/engines/simulator/clock.ts';
import { startSimulator, type RunningSimulator } from '../../scripts/engines/simulator/server.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DENO = fileURLToPath(new URL('../../node_modules/.bin/deno', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./deno-client.ts', import.meta.url));

describe('streamer client on Deno (global WebSocket, no injected constructor)', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 5, clock: acceleratedClock(60), symbols: ['BTC-USD'] });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('connects to the simulator, subscribes, and prints a closed candle as JSON', async () => {
    const { stdout } = await run(DENO, ['run', '--allow-net', '--allow-read', '--allow-env', SCRIPT, sim.wsUrl], {
      cwd: ROOT,
      timeout: 90_000,
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    });
    const line = stdout.trim().split('\n').at(-1) ?? '';
    const out = JSON.parse(line) as { runtime: string; hasGlobalWebSocket: boolean; sub: string; candle: unknown };
    expect(out).toMatchObject({ runtime: 'deno', hasGlobalWebSocket: true, sub: '24~CCCAGG~BTC~USD~m' });
    const candle = OhlcvMessage.parse(out.candle);
    expect(candle).toMatchObject({ source: 'simulator', exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1m', state: 'closed', transport: 'websocket', revision: 0 });
    // Open and close never change in a late revision, so they can be compared with the market at any later time.
    const want = sim.context.market.candle('cccagg', 'BTC-USD', '1m', candle.timestamp, sim.context.clock.now());
    expect([candle.open, candle.close]).toEqual([want.open, want.close]);
  }, 120_000);
});
