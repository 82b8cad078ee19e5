import type * as z from 'zod';
import { OhlcvMessage } from '../ohlcv.ts';
import { checkOhlcvMessage } from './ohlcv.ts';
import { checkWithZod, type Check } from './result.ts';

export { checkOhlcvMessage, isOhlcvMessageFast } from './ohlcv.ts';
export { checkWithZod, type Check, type CheckResult } from './result.ts';

/** Schemas with a proven-equivalent fast path (test/schemas/). */
const FAST_CHECKS = new Map<z.ZodType, Check<unknown>>([[OhlcvMessage, checkOhlcvMessage]]);

/** The check for `schema`: its fast path when it has one, plain zod otherwise. Same values, same issues either way. */
export function checkFor<T>(schema: z.ZodType<T>): Check<T> {
  return (FAST_CHECKS.get(schema) as Check<T> | undefined) ?? ((value) => checkWithZod(schema, value));
}
