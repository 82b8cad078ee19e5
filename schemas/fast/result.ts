import type * as z from 'zod';

/** Outcome of a contract check: the typed value, or zod's issues (the same ones `safeParse` reports). */
export type CheckResult<T> = { ok: true; value: T } | { ok: false; issues: z.core.$ZodIssue[] };

/** A contract check: a fast path where one exists, zod otherwise. */
export type Check<T> = (value: unknown) => CheckResult<T>;

export function checkWithZod<T>(schema: z.ZodType<T>, value: unknown): CheckResult<T> {
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, issues: parsed.error.issues };
}
