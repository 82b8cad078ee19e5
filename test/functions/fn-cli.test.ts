import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run fn (scripts/fn.ts)', () => {
  it('serves a function on the given port and stops cleanly on SIGTERM', async () => {
    const child = spawn(`${ROOT}node_modules/.bin/tsx`, ['scripts/fn.ts', 'enrich', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = /listening on (http:\/\/[0-9.]+:\d+)/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', () => reject(new Error(`fn exited before listening:\n${output}`)));
    });
    expect(output).toMatch(/enrich \(node\) listening on .* \(memory state\)/);
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: 'ok', function: 'enrich', runtime: 'node' });
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('refuses an unknown function name with usage and exit code 2', async () => {
    const child = spawn(`${ROOT}node_modules/.bin/tsx`, ['scripts/fn.ts', 'nope', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/usage: npm run fn -- NAME/);
  });
});
