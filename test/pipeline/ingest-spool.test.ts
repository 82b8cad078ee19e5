import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Spool } from '../../scripts/ingest/spool.ts';
import { LastSeen } from '../../scripts/ingest/last-seen.ts';
import { startIngestWorker } from '../../scripts/ingest/worker.ts';
import { until } from './helpers.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingest-spool-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ingestion worker state', () => {
  it('the spool keeps unacknowledged batches across a reopen, oldest first, and forgets acknowledged ones', async () => {
    const a = await Spool.open(join(dir, 'spool'));
    const first = await a.put([{ n: 1 }]);
    await a.put([{ n: 2 }]);
    await a.remove(first);
    await a.put([{ n: 3 }]);
    const b = await Spool.open(join(dir, 'spool'));
    expect((await b.pending()).map((p) => p.batch)).toEqual([[{ n: 2 }], [{ n: 3 }]]);
    await b.put([{ n: 4 }]);
    expect((await b.pending()).map((p) => p.batch)).toEqual([[{ n: 2 }], [{ n: 3 }], [{ n: 4 }]]);
  });

  it('last-seen only moves forward and survives a reopen', async () => {
    const file = join(dir, 'last-seen.json');
    const a = await LastSeen.open(file);
    await a.advance([{ series: 'cccagg:BTC-USD:1m', timestamp: 120_000 }, { series: 'cccagg:BTC-USD:1m', timestamp: 60_000 }]);
    const b = await LastSeen.open(file);
    expect(b.get('cccagg:BTC-USD:1m')).toBe(120_000);
  });

  it('a real ingest endpoint that refuses at first still receives every spooled batch once it accepts', async () => {
    const received: unknown[][] = [];
    let accept = false;
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!accept) return res.writeHead(502).end('down');
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[]);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    // No WebSocket server on this port path: the worker reconnects in the background; only the spool matters here.
    const spool = await Spool.open(join(dir, 'w', 'ingest', 'spool'));
    await spool.put([{ kind: 'backfill', requestId: 'left-over' }]);
    const worker = await startIngestWorker({ wsUrl: `ws://127.0.0.1:${port}/v2`, source: 'simulator', exchange: 'cccagg', symbols: ['BTC-USD'], ingestUrl: `http://127.0.0.1:${port}/ingest`, dataDir: join(dir, 'w'), log: () => {} });
    // Accept only after the worker saw a refusal, so the retry path is what delivers the batch.
    await until(async () => worker.stats().postFailures > 0, 50);
    accept = true;
    await worker.stop(60_000);
    await new Promise<void>((r) => server.close(() => r()));
    expect(received.flat()).toContainEqual({ kind: 'backfill', requestId: 'left-over' });
    expect(await (await Spool.open(join(dir, 'w', 'ingest', 'spool'))).pending()).toEqual([]);
  });
});
