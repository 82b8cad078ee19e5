/**
 * Outside Node's own client: the MCP Inspector CLI against the full server, and the same app served by Deno and by
 * workerd (through miniflare), each answering tools/list to real clients over real sockets.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legacyClient, modernClient } from './clients.ts';
import { EDGE_TEST_KEY } from './edge/key.ts';
import { startFixture } from './fixture.ts';
import type { Fixture } from './fixture.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const TOOL_COUNT = 14;

describe('MCP Inspector CLI', () => {
  let f: Fixture;
  let home: string;
  beforeAll(async () => {
    f = await startFixture({ snapshotPollMs: 0 });
    home = mkdtempSync(join(tmpdir(), 'mcp-inspector-'));
  });
  afterAll(async () => {
    await f?.stop();
    if (home !== undefined) rmSync(home, { recursive: true, force: true });
  });

  async function inspector(args: string[]): Promise<{ result: Record<string, unknown> }> {
    const { stdout } = await run('npx', ['mcp-inspector', '--cli', f.url, '--protocol-era', 'modern', '--header', `Authorization: Bearer ${f.keys.read}`, ...args, '--format', 'json'], {
      cwd: ROOT, env: { ...process.env, HOME: home, MCP_STORAGE_DIR: home }, maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(stdout.slice(stdout.indexOf('{'))) as { result: Record<string, unknown> };
  }

  it('lists the tools with portable schemas (--strict)', async () => {
    // --strict fails (exit 6) on schema portability errors; warnings (nullable type arrays) are allowed.
    const out = await inspector(['--method', 'tools/list', '--strict']);
    expect((out.result.tools as { name: string }[]).map((t) => t.name)).toContain('get_candles');
    expect((out.result.tools as unknown[]).length).toBe(TOOL_COUNT);
  });

  it('calls get_latest_prices', async () => {
    const out = await inspector(['--method', 'tools/call', '--tool-name', 'get_latest_prices', '--tool-args-json', '{"symbols":["BTC-USD","ETH-USD"]}']);
    const structured = out.result.structuredContent as { prices: { symbol: string }[] };
    expect(structured.prices.map((p) => p.symbol).sort()).toEqual(['BTC-USD', 'ETH-USD']);
  });
});

async function expectToolsList(url: string): Promise<void> {
  for (const connect of [modernClient, legacyClient]) {
    const c = await connect(url, EDGE_TEST_KEY);
    try {
      expect((await c.listTools()).length).toBe(TOOL_COUNT);
    } finally {
      await c.close();
    }
  }
  const denied = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
  expect(denied.status).toBe(401);
}

describe('Deno', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill();
  });

  it('serves tools/list', async () => {
    child = spawn(join(ROOT, 'node_modules/.bin/deno'), ['run', '--allow-net', '--allow-read', '--allow-env', 'test/mcp/edge/deno.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child?.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /LISTENING (\d+)/.exec(out);
        if (m !== null) resolve(Number(m[1]));
      });
      child?.once('exit', (code) => reject(new Error(`deno exited with ${String(code)}`)));
    });
    await expectToolsList(`http://127.0.0.1:${port}/mcp`);
  });
});

describe('workerd (miniflare)', () => {
  let mf: Miniflare | undefined;
  afterAll(async () => {
    await mf?.dispose();
  });

  it('serves tools/list from an esbuild bundle without nodejs_compat', async () => {
    const bundle = await build({
      entryPoints: [join(ROOT, 'test/mcp/edge/app.ts')], bundle: true, format: 'esm', platform: 'browser', conditions: ['workerd', 'worker', 'browser'], write: false, logLevel: 'silent',
    });
    mf = new Miniflare({ modules: true, script: bundle.outputFiles[0]?.text ?? '', compatibilityDate: '2025-07-01', host: '127.0.0.1', port: 0 });
    const base = await mf.ready;
    await expectToolsList(new URL('/mcp', base).href);
  });
});
