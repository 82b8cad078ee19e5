import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProcessor, type HttpProcessorConf } from '../../scripts/connect/http-processor.ts';
import { requestSignal } from '../../scripts/connect/http-request.ts';
import { Message } from '../../scripts/connect/message.ts';
import type { Ctx } from '../../scripts/connect/runtime.ts';

/** Signals Node keeps as dependants of `signal` (AbortSignal.any's bookkeeping; internal, so found by its name). */
function dependantsOf(signal: AbortSignal): number {
  const key = Object.getOwnPropertySymbols(signal).find((s) => s.toString() === 'Symbol(kDependantSignals)');
  const set = key === undefined ? undefined : (signal as unknown as Record<symbol, Set<unknown> | undefined>)[key];
  return set?.size ?? 0;
}

describe('requestSignal', () => {
  it('aborts with the parent\'s reason, and after release the parent no longer reaches it', () => {
    const parent = new AbortController();
    const first = requestSignal(parent.signal, 60_000);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    first.release();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    const second = requestSignal(parent.signal, 60_000);
    parent.abort(new Error('shutting down'));
    expect(second.signal.aborted).toBe(true);
    expect((second.signal.reason as Error).message).toBe('shutting down');
    expect(first.signal.aborted).toBe(false);
    second.release();
    expect(requestSignal(parent.signal, 60_000).signal.reason).toBe(parent.signal.reason);
  });

  it('times out with the TimeoutError AbortSignal.timeout gives', async () => {
    const { signal, release } = requestSignal(new AbortController().signal, 5);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    expect(signal.reason).toMatchObject({ name: 'TimeoutError', message: 'The operation was aborted due to timeout' });
    release();
  });
});

describe('http processor', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('[]'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fn`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('leaves nothing attached to the stream\'s signal however many calls it makes', async () => {
    const stream = new AbortController();
    const conf: HttpProcessorConf = { url, verb: 'POST', headers: { 'Content-Type': 'application/json' }, timeout: '5s', retry_period: '1s', max_retry_backoff: '300s', retries: 0, backoff_on: [], drop_on: [], successful_on: [] };
    // The processor reads only the stream's signal from its context.
    const processor = httpProcessor(conf, { signal: stream.signal } as Ctx);
    for (let i = 0; i < 300; i++) {
      const [out] = await processor.process([new Message('[]')]);
      expect(out?.error).toBeUndefined();
    }
    expect(getEventListeners(stream.signal, 'abort')).toHaveLength(0);
    expect(dependantsOf(stream.signal)).toBe(0);
  });
});
