import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetter } from '../../schemas/dead-letter.ts';
import { BATCH_FUNCTIONS } from '../../functions/lib/batch/names.ts';
import { candle, freshSymbol, post } from './helpers/candles.ts';
import { serveOn, type RuntimeKind, type Served } from './helpers/runtimes.ts';

const ONE_TO_MANY = new Set(['alerts', 'signals']);
const sample = () => candle({ symbol: freshSymbol() }, 2, Date.now());
type Answer = { ok: boolean; message?: Record<string, unknown>; messages?: unknown[]; deadLetter?: unknown };
type ErrorBody = { error: { code: string; message: string } };

/** The batch contract every function honours, on one runtime. */
export function defineContractSuite(kind: RuntimeKind): void {
  for (const name of BATCH_FUNCTIONS) {
    describe(`${name} on ${kind}: batch contract`, () => {
      let served: Served;
      beforeAll(async () => {
        served = await serveOn(kind, name);
      });
      afterAll(async () => {
        await served?.stop();
      });

      it('answers GET /health from the right runtime', async () => {
        const res = await fetch(`${served.url}/health`);
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ status: 'ok', function: name, runtime: kind });
      });

      it('answers an empty batch with an empty array', async () => {
        expect(await post(served.url, [])).toEqual({ status: 200, body: [] });
      });

      it('answers the same length and order, refusing malformed elements with reasons and leaving valid ones untouched', async () => {
        const good = [sample(), sample(), sample()];
        const batch: unknown[] = [good[0], 42, { ...good[1], symbol: 'btcusd', open: 'x' }, good[1], null, good[2]];
        const { status, body } = await post(served.url, batch);
        expect(status).toBe(200);
        const answers = body as Answer[];
        expect(answers).toHaveLength(batch.length);
        for (const index of [1, 2, 4]) {
          const answer = answers[index] as Answer;
          expect(answer.ok).toBe(false);
          const letter = DeadLetter.parse(answer.deadLetter);
          expect(letter).toMatchObject({ stage: name, reasonCode: 'SCHEMA_INVALID', original: batch[index] });
          expect(letter.message).toMatch(/input schema/);
        }
        expect(DeadLetter.parse((answers[2] as Answer).deadLetter).details).toMatchObject({ issues: expect.arrayContaining([expect.objectContaining({ path: 'symbol' }), expect.objectContaining({ path: 'open' })]) });
        [0, 3, 5].forEach((index, i) => {
          const answer = answers[index] as Answer;
          const original = good[i] as Record<string, unknown>;
          expect(answer.ok, JSON.stringify(answer)).toBe(true);
          if (ONE_TO_MANY.has(name)) {
            expect(Array.isArray(answer.messages)).toBe(true);
          } else {
            const { quality: _q, enrichment: _e, indicators: _i, ...rest } = answer.message ?? {};
            const { quality: _oq, ...originalRest } = original;
            expect(rest).toEqual(originalRest);
          }
        });
      });

      it('refuses a body that is not JSON with 400 INVALID_JSON', async () => {
        const { status, body } = await post(served.url, '[{"open": 1,');
        expect(status).toBe(400);
        expect((body as ErrorBody).error).toMatchObject({ code: 'INVALID_JSON', message: expect.stringMatching(/not valid JSON/) });
      });

      it('refuses JSON that is not an array with 400 NOT_AN_ARRAY', async () => {
        const { status, body } = await post(served.url, { batch: [] });
        expect(status).toBe(400);
        expect((body as ErrorBody).error).toMatchObject({ code: 'NOT_AN_ARRAY', message: expect.stringMatching(/JSON object, not an array/) });
      });

      it('refuses a wrong or missing content type with 415', async () => {
        for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/octet-stream' }]) {
          const { status, body } = await post(served.url, '[]', headers);
          expect(status).toBe(415);
          expect((body as ErrorBody).error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringMatching(/application\/json/) });
        }
      });

      it('refuses a body that is not UTF-8 with 400 INVALID_UTF8, by Content-Length and by the streamed body', async () => {
        const bytes = new Uint8Array([0x5b, 0x22, 0xff, 0x22, 0x5d]);
        const declared = await fetch(`${served.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(bytes);
            controller.close();
          },
        });
        const streamed = await fetch(`${served.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
        for (const res of [declared, streamed]) {
          expect(res.status).toBe(400);
          expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: 'INVALID_UTF8', message: expect.stringMatching(/not valid UTF-8/) });
        }
      });

      it('refuses a body over the 8 MiB limit with 413, by Content-Length and by the streamed body', async () => {
        const big = `[${'"x",'.repeat(2_200_000)}"x"]`;
        const declared = await post(served.url, big);
        expect(declared.status).toBe(413);
        expect((declared.body as ErrorBody).error).toMatchObject({ code: 'BODY_TOO_LARGE', message: expect.stringMatching(/8388608-byte limit/) });

        const bytes = new TextEncoder().encode(big);
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 1 << 20) controller.enqueue(bytes.subarray(i, i + (1 << 20)));
            controller.close();
          },
        });
        const res = await fetch(`${served.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
        expect(res.status).toBe(413);
        expect(((await res.json()) as ErrorBody).error.code).toBe('BODY_TOO_LARGE');
      });

      it('answers other methods and paths with JSON errors', async () => {
        const get = await fetch(`${served.url}/`);
        expect(get.status).toBe(405);
        expect(((await get.json()) as ErrorBody).error.code).toBe('METHOD_NOT_ALLOWED');
        const missing = await fetch(`${served.url}/nope`);
        expect(missing.status).toBe(404);
        expect(((await missing.json()) as ErrorBody).error.code).toBe('NOT_FOUND');
      });
    });
  }
}
