import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouse, type ClickHouseEngine } from '../../scripts/engines/clickhouse/index.ts';
import { loadConfigText } from '../../scripts/connect/config.ts';
import { clickhouseClientConfig } from '../../scripts/connect/sql-insert.ts';
import { startStream } from '../../scripts/connect/stream.ts';

let engine: ClickHouseEngine;
let client: ClickHouseClient;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'connect-ch-'));
  engine = await startClickHouse({ port: 0, host: '127.0.0.1', dataDir });
  client = createClient({ url: `http://127.0.0.1:${engine.port}` });
  await client.command({ query: 'CREATE TABLE connect_ticks (symbol String, ts DateTime64(3, \'UTC\'), price Float64) ENGINE = MergeTree ORDER BY (symbol, ts)' });
});

afterAll(async () => {
  await client?.close();
  await engine?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('sql_insert into ClickHouse over HTTP', () => {
  it('maps clickhouse:// DSNs to the HTTP interface (database, credentials, settings) and accepts http:// DSNs', () => {
    expect(clickhouseClientConfig('clickhouse://u:p%40ss@h:8123/db?async_insert=1')).toEqual({ url: 'http://h:8123', username: 'u', password: 'p@ss', database: 'db', clickhouse_settings: { async_insert: '1' } });
    expect(clickhouseClientConfig('https://h/?database=x')).toEqual({ url: 'https://h:8443', database: 'x', clickhouse_settings: {} });
    expect(() => clickhouseClientConfig('tcp://h:9000')).toThrow(/clickhouse dsn must start with/);
  });

  it('inserts a batch as JSONEachRow; epoch-millisecond numbers land in DateTime64(3)', async () => {
    const { config, errors } = loadConfigText(
      `
http: { address: "127.0.0.1:0" }
logger: { level: OFF }
input:
  http_server: { path: /rows }
pipeline:
  processors:
    - unarchive: { format: json_array }
output:
  sql_insert:
    driver: clickhouse
    dsn: "clickhouse://default:@127.0.0.1:${engine.port}/default"
    table: connect_ticks
    columns: [symbol, ts, price]
    args_mapping: root = [ this.symbol, this.ts, this.price.number() ]
`,
      'ch.yaml',
      { env: {} },
    );
    expect(errors).toEqual([]);
    const stream = await startStream(config as NonNullable<typeof config>);
    const rows = Array.from({ length: 500 }, (_, i) => ({ symbol: 'BTC-USD', ts: 1_700_000_000_000 + i * 1000 + 7, price: String(i) }));
    const res = await fetch(`http://127.0.0.1:${stream.httpPort}/rows`, { method: 'POST', body: JSON.stringify(rows) });
    expect(res.status).toBe(200);
    await stream.stop();
    const result = await client.query({ query: 'SELECT count() AS n, toUnixTimestamp64Milli(min(ts)) AS first, sum(price) AS total FROM connect_ticks', format: 'JSONEachRow' });
    expect(await result.json()).toEqual([{ n: '500', first: '1700000000007', total: 124750 }]);
  });
});
