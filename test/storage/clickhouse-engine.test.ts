import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouse, type ClickHouseEngine } from '../../scripts/engines/clickhouse/index.ts';
import { tempDir } from './helpers.ts';

let engine: ClickHouseEngine;
let client: ClickHouseClient;
const dir = tempDir('ch-engine');

beforeAll(async () => {
  engine = await startClickHouse({ port: 0, dataDir: join(dir.path, 'data') });
  client = createClient({ url: engine.url });
});

afterAll(async () => {
  await client?.close();
  await engine?.stop();
  dir.remove();
});

describe('chDB behind the ClickHouse HTTP interface, driven by @clickhouse/client-web', () => {
  it('answers /ping', async () => {
    expect(await client.ping()).toEqual({ success: true });
    const res = await fetch(`${engine.url}/ping`);
    expect(await res.text()).toBe('Ok.\n');
  });

  it('runs commands, JSONEachRow inserts and typed query parameters', async () => {
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS kv (k String, n UInt32, at DateTime64(3, \'UTC\')) ENGINE = MergeTree ORDER BY k' });
    await client.insert({ table: 'kv', values: [{ k: "it's", n: 1, at: '2024-01-01 00:00:00.000' }, { k: 'b', n: 2, at: '2024-01-02 00:00:00.000' }], format: 'JSONEachRow' });
    const rs = await client.query({
      query: 'SELECT k, n FROM kv WHERE n >= {min:UInt32} AND k IN {keys:Array(String)} ORDER BY n',
      query_params: { min: 1, keys: ["it's", 'b'] },
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ k: "it's", n: 1 }, { k: 'b', n: 2 }]);
  });

  it('honours FORMAT, the database parameter and settings given as URL parameters', async () => {
    await client.command({ query: 'CREATE DATABASE IF NOT EXISTS other' });
    await client.command({ query: 'CREATE TABLE IF NOT EXISTS other.t (x UInt8) ENGINE = Memory' });
    const scoped = createClient({ url: engine.url, database: 'other' });
    try {
      await scoped.insert({ table: 't', values: [{ x: 7 }], format: 'JSONEachRow' });
      const rs = await scoped.query({ query: 'SELECT currentDatabase() AS db, sum(x) AS s FROM t', format: 'JSON' });
      const json = await rs.json<{ db: string; s: string | number }>();
      expect(json.data).toEqual([{ db: 'other', s: '7' }]);
    } finally {
      await scoped.close();
    }
    const csv = await client.query({ query: 'SELECT 1 AS a, 2 AS b', format: 'CSVWithNames' });
    expect(await csv.text()).toBe('"a","b"\n1,2\n');
    const setting = await client.query({
      query: "SELECT value FROM system.settings WHERE name = 'max_threads'",
      format: 'JSONEachRow',
      clickhouse_settings: { max_threads: 3 },
    });
    expect(await setting.json()).toEqual([{ value: '3' }]);
    // Settings apply to one request only.
    const after = await client.query({ query: "SELECT changed FROM system.settings WHERE name = 'max_threads'", format: 'JSONEachRow' });
    expect(await after.json()).toEqual([{ changed: 0 }]);
  });

  it('accepts the query in the URL or the body, with insert data in the body', async () => {
    const insert = await fetch(`${engine.url}/?query=${encodeURIComponent('INSERT INTO kv (k, n, at) FORMAT JSONEachRow')}`, {
      method: 'POST', body: '{"k":"url","n":3,"at":"2024-01-03 00:00:00.000"}\n',
    });
    expect(insert.status).toBe(200);
    const inBody = await fetch(`${engine.url}/?default_format=JSONEachRow&param_k=url`, { method: 'POST', body: 'SELECT n FROM kv WHERE k = {k:String}' });
    expect(await inBody.text()).toBe('{"n":3}\n');
    const inUrl = await fetch(`${engine.url}/?query=${encodeURIComponent('SELECT count() FROM kv')}`);
    expect(await inUrl.text()).toBe('3\n');
  });

  it('reports errors as ClickHouse does: status, X-ClickHouse-Exception-Code, "Code: N. DB::Exception" body', async () => {
    const res = await fetch(`${engine.url}/?query=${encodeURIComponent('SELECT * FROM missing_table')}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('60');
    expect(await res.text()).toMatch(/^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\) \(version [\d.]+\)\n$/s);
    const syntax = await fetch(`${engine.url}/`, { method: 'POST', body: 'SELEC 1' });
    expect(syntax.status).toBe(400);
    expect(syntax.headers.get('x-clickhouse-exception-code')).toBe('62');
    await expect(client.query({ query: 'SELECT * FROM missing_table' })).rejects.toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
    await expect(client.insert({ table: 'kv', values: [{ k: 'x', n: 'not a number', at: 'x' }], format: 'JSONEachRow' })).rejects.toMatchObject({ type: expect.stringMatching(/CANNOT_PARSE|TYPE_MISMATCH|INCORRECT_DATA/) });
  });

  it('keeps tables across a restart on the same data directory', async () => {
    await client.close();
    await engine.stop();
    engine = await startClickHouse({ port: 0, dataDir: join(dir.path, 'data') });
    client = createClient({ url: engine.url });
    const rs = await client.query({ query: 'SELECT count() AS n FROM kv', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ n: '3' }]);
  });
});
