import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../scripts/connect/config.ts';
import { startStream, type RunningStream } from '../../scripts/connect/stream.ts';

/** A tiny batch function (the per-batch contract of schemas/verdict.ts) plus two collectors standing in for topics. */
interface Element {
  id: string;
}
const state = { calls: 0, failFirst: 0, attempts: [] as string[][], seen: [] as string[], valid: [] as Element[], dlq: [] as unknown[] };
let fn: ServerType;
let base = '';

beforeAll(async () => {
  const app = new Hono();
  app.post('/fn', async (c) => {
    state.calls++;
    const batch = (await c.req.json()) as Element[];
    state.attempts.push(Array.isArray(batch) ? batch.map((e) => e.id) : []);
    if (state.calls <= state.failFirst) return c.text('warming up', 500);
    state.seen.push(...batch.map((e) => e.id));
    // Even positions are valid, odd ones refused: per-element verdicts, same length and order.
    return c.json(batch.map((e, i) => (i % 2 === 0 ? { ok: true, message: { ...e, checked: true } } : { ok: false, deadLetter: { schemaVersion: 1, stage: 'validate', reasonCode: 'ODD', message: 'odd position', original: e, failedAt: 1 } })));
  });
  app.post('/slow', async (c) => {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return c.text('too late');
  });
  app.post('/valid', async (c) => {
    state.valid.push((await c.req.json()) as Element);
    return c.text('ok');
  });
  app.post('/dlq', async (c) => {
    state.dlq.push(await c.req.json());
    return c.text('ok');
  });
  await new Promise<void>((resolve) => {
    fn = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      base = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
});

afterAll(async () => {
  await new Promise((resolve) => fn.close(resolve));
});

function reset(failFirst = 0): void {
  Object.assign(state, { calls: 0, failFirst, attempts: [], seen: [], valid: [], dlq: [] });
}

function start(yaml: string): Promise<RunningStream> {
  const { config, errors } = loadConfigText(yaml, 'test.yaml', { env: { FN: base } });
  expect(errors).toEqual([]);
  if (config === undefined) throw new Error('invalid config');
  return startStream(config);
}

const STAGE = (input: string, retry: string) => `
http: { enabled: false }
logger: { level: ERROR }
input:
${input}
pipeline:
  processors:
    - archive: { format: json_array }
    - retry:
        backoff: { initial_interval: 10ms, max_interval: 50ms, max_elapsed_time: 0s }
        processors:
          - http: { url: "\${FN}/fn", headers: { Content-Type: application/json }, retries: 0${retry} }
    - unarchive: { format: json_array }
output:
  switch:
    cases:
      - check: this.ok == true
        output:
          drop: {}
          processors:
            - mapping: root = this.message
            - http: { url: "\${FN}/valid", headers: { Content-Type: application/json } }
      - output:
          drop: {}
          processors:
            - mapping: root = this.deadLetter
            - http: { url: "\${FN}/dlq", headers: { Content-Type: application/json } }
`;

describe('connect runtime', () => {
  it('generate -> mapping -> stdout, run through the CLI', () => {
    const yaml = 'http: { enabled: false }\ninput:\n  generate: { count: 3, interval: 0s, mapping: \'root = {"n": 1}\' }\npipeline:\n  processors:\n    - mapping: |\n        root = this\n        root.ok = this.n == 1\noutput:\n  stdout: {}\n';
    const dir = mkdtempSync(join(tmpdir(), 'connect-gen-'));
    const file = join(dir, 'gen.yaml');
    writeFileSync(file, yaml);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/connect/cli.ts', 'run', file], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual(Array(3).fill('{"n":1,"ok":true}'));
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs several files side by side sharing one service server; processor resources are reused by label', () => {
    const dir = mkdtempSync(join(tmpdir(), 'connect-multi-'));
    const yaml = (n: number) => `http: { address: "127.0.0.1:0" }\nlogger: { level: OFF }\ninput:\n  generate: { count: 2, interval: 0s, mapping: 'root = {"file": ${n}}' }\npipeline:\n  processors:\n    - resource: tag\nprocessor_resources:\n  - label: tag\n    mapping: |\n      root = this\n      root.tagged = true\noutput:\n  stdout: {}\n`;
    writeFileSync(join(dir, 'one.yaml'), yaml(1));
    writeFileSync(join(dir, 'two.yaml'), yaml(2));
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/connect/cli.ts', join(dir, 'one.yaml'), join(dir, 'two.yaml')], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n').sort()).toEqual(['{"file":1,"tagged":true}', '{"file":1,"tagged":true}', '{"file":2,"tagged":true}', '{"file":2,"tagged":true}']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM stops the CLI gracefully: the input stops, in-flight batches drain, exit code 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'connect-term-'));
    writeFileSync(join(dir, 'forever.yaml'), 'http: { enabled: false }\nlogger: { level: OFF }\ninput:\n  generate: { interval: 5ms, mapping: \'root = {"id": uuid_v4()}\' }\noutput:\n  stdout: {}\n');
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/connect/cli.ts', join(dir, 'forever.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve) => child.stdout.on('data', () => out.split('\n').length > 5 && resolve()));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) expect(JSON.parse(line)).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    rmSync(dir, { recursive: true, force: true });
  });

  it('http_server answers after delivery: 200 when delivered, 502 when the output rejects it; counters are exposed', async () => {
    const stream = await start(`
http: { address: "127.0.0.1:0" }
logger: { level: OFF }
input:
  http_server: { path: /in }
pipeline:
  processors:
    - mapping: root = this.price.number()
output:
  reject_errored:
    drop: {}
`);
    const url = `http://127.0.0.1:${stream.httpPort}`;
    const ok = await fetch(`${url}/in`, { method: 'POST', body: '{"price":"12.5"}' });
    expect(ok.status).toBe(200);
    const rejected = await fetch(`${url}/in`, { method: 'POST', body: '{"price":"abc"}' });
    expect(rejected.status).toBe(502);
    expect(await rejected.text()).toMatch(/rejecting due to failed processing: failed assignment: expected number value/);
    expect((await fetch(`${url}/in`, { method: 'GET' })).status).toBe(405);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('input_received{label="root.input.http_server",path="root.input"} 2');
    expect(metrics).toContain('processor_error{label="root.pipeline.processors.0.mapping",path="root.pipeline.processors.0"} 1');
    await stream.stop();
  });

  it('a stream starts only once its http_server input listens, and fails to start, naming the address, when it cannot', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const address = `127.0.0.1:${(taken.address() as AddressInfo).port}`;
    const yaml = (at: string) => `
http: { enabled: false }
logger: { level: OFF }
input:
  http_server: { address: "${at}", path: /in }
output:
  drop: {}
`;
    await expect(start(yaml(address))).rejects.toThrow(`http_server input could not listen on ${address}: listen EADDRINUSE`);
    await new Promise<void>((resolve) => taken.close(() => resolve()));
    // The same address, now free: the first POST, sent as soon as start resolved, is taken (no retry).
    const stream = await start(yaml(address));
    expect((await fetch(`http://${address}/in`, { method: 'POST', body: '{}' })).status).toBe(200);
    await stream.stop();
  });

  it('archive -> http -> unarchive calls the function once per batch and routes verdicts to two outputs', async () => {
    reset();
    const stream = await start(STAGE('  generate: { count: 6, batch_size: 10, interval: 0s, mapping: \'root = {"id": uuid_v4()}\' }', ''));
    await stream.done;
    expect(state.calls).toBe(6);
    expect(state.seen).toHaveLength(60);
    expect(state.valid).toHaveLength(30);
    expect(state.dlq).toHaveLength(30);
    expect(state.valid.every((v) => (v as Element & { checked?: boolean }).checked === true)).toBe(true);
    const routed = [...state.valid.map((v) => v.id), ...state.dlq.map((d) => ((d as { original: Element }).original).id)];
    expect(new Set(routed)).toEqual(new Set(state.seen));
    expect(routed).toHaveLength(new Set(routed).size);
  });

  it('retry back-pressures while the function answers 500, then delivers everything exactly once', async () => {
    reset(4);
    const stream = await start(STAGE('  generate: { count: 5, batch_size: 4, interval: 0s, mapping: \'root = {"id": uuid_v4()}\' }', ''));
    await stream.done;
    expect(state.calls).toBe(4 + 5);
    expect(state.seen).toHaveLength(20);
    const routed = [...state.valid.map((v) => v.id), ...state.dlq.map((d) => ((d as { original: Element }).original).id)];
    expect(routed.sort()).toEqual([...state.seen].sort());
    expect(new Set(routed).size).toBe(20);
  });

  it('reject_errored nacks and the input replays the same batch until it is delivered (auto_replay_nacks)', async () => {
    reset(2);
    const stream = await start(`
http: { enabled: false }
logger: { level: OFF }
input:
  generate: { count: 1, batch_size: 2, interval: 0s, mapping: 'root = {"id": uuid_v4()}' }
pipeline:
  processors:
    - archive: { format: json_array }
    - http: { url: "\${FN}/fn", retries: 0, headers: { Content-Type: application/json } }
    - unarchive: { format: json_array }
output:
  reject_errored:
    drop: {}
    processors:
      - mapping: root = this.message
      - http: { url: "\${FN}/valid", headers: { Content-Type: application/json } }
`);
    await stream.done;
    expect(state.calls).toBe(3);
    // Every attempt carried the same two ids: the replay re-offers the original batch.
    expect(state.attempts).toEqual([state.seen, state.seen, state.seen]);
    expect(state.seen).toHaveLength(2);
    // The fn refuses odd positions, so the second verdict has no message (null).
    expect(state.valid.map((v) => (v as Element | null)?.id ?? null)).toEqual([state.seen[0], null]);
  });

  /** One message through `http: <conf>`; what the output's errored() case recorded (the message replaced by its error text). */
  async function erroredOutputOf(http: string, failFirst = 0): Promise<unknown[]> {
    reset(failFirst);
    const stream = await start(`
http: { enabled: false }
logger: { level: OFF }
input:
  generate: { count: 1, interval: 0s, mapping: 'root = {"id": "x"}' }
pipeline:
  processors:
    - http: ${http}
output:
  switch:
    cases:
      - check: errored()
        output:
          drop: {}
          processors:
            - mapping: 'root = {"id": error()}'
            - http: { url: "\${FN}/valid" }
`);
    await stream.done;
    return state.valid;
  }

  it('an http failure without retry flags the message with Connect\'s error text and it still reaches the output', async () => {
    const valid = await erroredOutputOf('{ url: "${FN}/fn", retries: 1, retry_period: 10ms }', 1000);
    expect(state.calls).toBe(2);
    expect(valid).toEqual([{ id: 'HTTP request returned unexpected response code (500): Internal Server Error, Error: warming up' }]);
  });

  it('a timed-out or refused call flags the message with the method, the URL and the cause', async () => {
    const errorOf = async (http: string): Promise<unknown> => ((await erroredOutputOf(http))[0] as Element | undefined)?.id;
    expect(await errorOf('{ url: "${FN}/slow", timeout: 100ms, retries: 0 }')).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/slow: The operation was aborted due to timeout$/);
    expect(await errorOf('{ url: "http://127.0.0.1:1/fn", retries: 0 }')).toBe('POST http://127.0.0.1:1/fn: connect ECONNREFUSED 127.0.0.1:1');
  });
});

describe('sql_insert into PostgreSQL', () => {
  const table = `connect_test_${process.pid}_${Date.now()}`;
  const dsn = 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable';
  const db = new pg.Client({ connectionString: dsn });

  beforeAll(async () => {
    await db.connect();
    await db.query(`CREATE TABLE ${table} (symbol text NOT NULL, ts bigint NOT NULL, price double precision, PRIMARY KEY (symbol, ts))`);
  });
  afterAll(async () => {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.end();
  });

  it('writes a 25000-row batch (75000 bind parameters) in one go and ON CONFLICT makes replays idempotent', async () => {
    const stream = await start(`
http: { address: "127.0.0.1:0" }
logger: { level: OFF }
input:
  http_server: { path: /rows, timeout: 30s }
pipeline:
  processors:
    - unarchive: { format: json_array }
output:
  sql_insert:
    driver: postgres
    dsn: "${dsn}"
    table: ${table}
    columns: [symbol, ts, price]
    args_mapping: root = [ this.symbol, this.ts, this.price.number() ]
    suffix: ON CONFLICT (symbol, ts) DO NOTHING
`);
    const rows = Array.from({ length: 25_000 }, (_, i) => ({ symbol: i % 2 === 0 ? 'BTC-USD' : 'ETH-USD', ts: 1_700_000_000_000 + i * 60_000, price: String(100 + i) }));
    const url = `http://127.0.0.1:${stream.httpPort}/rows`;
    expect((await fetch(url, { method: 'POST', body: JSON.stringify(rows) })).status).toBe(200);
    expect((await fetch(url, { method: 'POST', body: JSON.stringify(rows.slice(0, 100)) })).status).toBe(200);
    const { rows: counted } = await db.query<{ n: string; top: number }>(`SELECT count(*) AS n, max(price) AS top FROM ${table}`);
    expect(counted[0]).toEqual({ n: '25000', top: 25_099 });
    const bad = await fetch(url, { method: 'POST', body: JSON.stringify([{ symbol: null, ts: 1, price: '1' }]) });
    expect(bad.status).toBe(502);
    expect(await bad.text()).toMatch(/sql_insert into connect_test_.*null value in column "symbol"/);
    await stream.stop();
  });
});

describe('batched input, branch and the fallback DLQ pattern', () => {
  it('batches four requests into one function call; errored messages go to the DLQ leg with fallback_error', async () => {
    reset();
    const stream = await start(`
http: { address: "127.0.0.1:0" }
logger: { level: OFF }
input:
  batched:
    child:
      http_server: { path: /in, timeout: 30s }
    policy: { count: 4, period: 30s }
pipeline:
  threads: 1
  processors:
    - branch:
        request_map: root = this
        processors:
          - archive: { format: json_array }
          - http: { url: "\${FN}/fn", headers: { Content-Type: application/json } }
          - unarchive: { format: json_array }
        result_map: root.verdict_ok = this.ok
    - mapping: |
        root = this
        root.check = if this.verdict_ok { "ok" } else { this.nope.number() }
output:
  fallback:
    - reject_errored:
        drop: {}
        processors:
          - http: { url: "\${FN}/valid", headers: { Content-Type: application/json } }
    - drop: {}
      processors:
        - mapping: 'root = {"id": this.id, "why": @fallback_error}'
        - http: { url: "\${FN}/dlq", headers: { Content-Type: application/json } }
`);
    const url = `http://127.0.0.1:${stream.httpPort}/in`;
    const answers = await Promise.all(['a', 'b', 'c', 'd'].map((id) => fetch(url, { method: 'POST', body: JSON.stringify({ id }) })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(state.calls).toBe(1);
    expect(state.valid).toHaveLength(2);
    expect(state.valid.every((v) => (v as { verdict_ok?: boolean; check?: string }).verdict_ok === true && (v as { check?: string }).check === 'ok')).toBe(true);
    expect(state.dlq).toHaveLength(2);
    for (const d of state.dlq as Array<{ why: string }>) expect(d.why).toMatch(/^rejecting due to failed processing: failed assignment: expected number value, got null/);
    expect(new Set([...state.valid.map((v) => v.id), ...(state.dlq as Element[]).map((d) => d.id)])).toEqual(new Set(['a', 'b', 'c', 'd']));
    await stream.stop();
  });
});

describe('switch processor, catch and broker fan_out', () => {
  it('routes by check (an erroring check flags the message), catch recovers it, fan_out writes every message to every output', async () => {
    reset();
    const stream = await start(`
http: { address: "127.0.0.1:0" }
logger: { level: OFF }
input:
  http_server: { path: /in, sync_response: { status: "\${! 201 }" } }
pipeline:
  processors:
    - unarchive: { format: json_array }
    - switch:
        - check: this.n > 1
          processors:
            - mapping: |
                root = this
                root.big = true
    - catch:
        - log: { level: DEBUG, message: "caught \${! error() }" }
        - mapping: |
            root = this
            root.caught = errored()
output:
  broker:
    pattern: fan_out
    outputs:
      - drop: {}
        processors:
          - http: { url: "\${FN}/valid", headers: { Content-Type: application/json } }
      - drop: {}
        processors:
          - http: { url: "\${FN}/dlq", headers: { Content-Type: application/json } }
`);
    const res = await fetch(`http://127.0.0.1:${stream.httpPort}/in`, { method: 'POST', body: JSON.stringify([{ n: 1 }, { n: 2 }, { n: 'x' }]) });
    expect(res.status).toBe(201);
    const expected = [{ n: 1 }, { n: 2, big: true }, { n: 'x', caught: true }];
    expect(state.valid).toEqual(expect.arrayContaining(expected));
    expect(state.valid).toHaveLength(3);
    expect(state.dlq).toEqual(expect.arrayContaining(expected));
    expect(state.dlq).toHaveLength(3);
    await stream.stop();
  });
});

describe('output batching', () => {
  it('groups writes from separate input batches under the policy and acknowledges each only after the flush', async () => {
    reset();
    const stream = await start(`
http: { address: "127.0.0.1:0" }
logger: { level: OFF }
input:
  http_server: { path: /in, timeout: 30s }
pipeline:
  threads: 4
output:
  broker:
    outputs:
      - drop: {}
        processors:
          - http: { url: "\${FN}/valid", headers: { Content-Type: application/json } }
    batching:
      count: 3
      period: 60s
      processors:
        - archive: { format: json_array }
`);
    const url = `http://127.0.0.1:${stream.httpPort}/in`;
    const answers = await Promise.all([1, 2, 3].map((id) => fetch(url, { method: 'POST', body: JSON.stringify({ id }) })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(state.valid).toHaveLength(1);
    expect((state.valid[0] as unknown as Array<{ id: number }>).map((e) => e.id).sort()).toEqual([1, 2, 3]);
    await stream.stop();
  });
});
