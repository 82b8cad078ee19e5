import type { CallToolResult } from '@modelcontextprotocol/server';
import { AppError, isAppError, redact } from '../lib/errors.ts';

/** How much of a successful result its text block repeats. */
export interface TextPolicy {
  /** The client's protocol has structuredContent (2025-06-18 and later). Older clients read only text, so they always get the full JSON. */
  readsStructured: boolean;
  /** A result listing more items than this (candles, rows, rules, ...) carries only its summary and cursor as text. */
  maxItems: number;
}

/** The first protocol version with `structuredContent`; versions are dates, so they order as strings. */
const STRUCTURED_SINCE = '2025-06-18';

export function textPolicyFor(protocolVersion: string, maxItems: number): TextPolicy {
  return { readsStructured: protocolVersion >= STRUCTURED_SINCE, maxItems };
}

/** The longest array among the result's fields and their fields: a page of candles, the columns, rules, rows. */
function itemsIn(data: object): number {
  let most = 0;
  for (const value of Object.values(data)) {
    if (Array.isArray(value)) most = Math.max(most, value.length);
    else if (typeof value === 'object' && value !== null) {
      for (const inner of Object.values(value)) if (Array.isArray(inner)) most = Math.max(most, inner.length);
    }
  }
  return most;
}

/**
 * A successful tool result: structured content, and as text the same JSON for clients that only read text. A long
 * answer to a client that reads structuredContent carries only its summary and cursor as text: repeating 500 candles
 * would double what the model's context and every hop pay for (serialising, sending and parsing the answer twice).
 */
export function toolResult<T extends object>(data: T, policy: TextPolicy): CallToolResult {
  const items = policy.readsStructured ? itemsIn(data) : 0;
  const text = items <= policy.maxItems ? JSON.stringify(data) : JSON.stringify({
    summary: 'summary' in data ? data.summary : undefined,
    nextCursor: 'nextCursor' in data ? data.nextCursor : undefined,
    note: `The ${items} items are in structuredContent only; this text carries the summary so a long answer does not fill the context. Ask for at most ${policy.maxItems} (limit) to get them as text too.`,
  });
  return { structuredContent: data as Record<string, unknown>, content: [{ type: 'text', text }] };
}

/**
 * A tool error the model can act on: `isError: true`, a stable code and what to do next. Unexpected errors become
 * INTERNAL with no message, stack or SQL from the cause (those stay server-side via `onInternal`).
 */
export function toolError(error: unknown, onInternal?: (error: unknown) => void): CallToolResult & { code: string } {
  const known = isAppError(error) && error.status < 500;
  if (!known) onInternal?.(error);
  const payload = known
    ? { code: error.code, message: redact(error.message), ...(error.details === undefined ? {} : { details: error.details }) }
    : { code: 'INTERNAL', message: 'The server failed to answer this call; retry later. If it persists, report the time of the call.' };
  return { isError: true, code: payload.code, content: [{ type: 'text', text: JSON.stringify({ error: payload }) }] };
}

export function badInput(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('INVALID_ARGUMENT', message, { status: 400, ...(details === undefined ? {} : { details }) });
}

export function notFound(code: string, message: string): AppError {
  return new AppError(code, message, { status: 404 });
}
