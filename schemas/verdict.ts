import * as z from 'zod';
import { DeadLetter } from './dead-letter.ts';

/**
 * The per-element answer of a batch function (`POST /` takes a JSON array, answers a JSON array of the same length and order).
 * - one-to-one functions (validate, enrich, indicators) answer `{ ok: true, message }`;
 * - 0..N functions (alerts, signals) answer `{ ok: true, messages: [...] }`;
 * - a refused element answers `{ ok: false, deadLetter }`, ready for the dead-letter topic.
 */
export function verdictOf<T extends z.ZodType>(message: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), message }),
    z.object({ ok: z.literal(false), deadLetter: DeadLetter }),
  ]);
}

export function manyVerdictOf<T extends z.ZodType>(message: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), messages: z.array(message) }),
    z.object({ ok: z.literal(false), deadLetter: DeadLetter }),
  ]);
}

export type Verdict<T> = { ok: true; message: T } | { ok: false; deadLetter: DeadLetter };
export type ManyVerdict<T> = { ok: true; messages: T[] } | { ok: false; deadLetter: DeadLetter };
