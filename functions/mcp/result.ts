import type { CallToolResult } from '@modelcontextprotocol/server';
import { AppError, isAppError, redact } from '../lib/errors.ts';

/** A successful tool result: structured content plus the same JSON as text for clients that only read text. */
export function toolResult<T extends object>(data: T): CallToolResult {
  return { structuredContent: data as Record<string, unknown>, content: [{ type: 'text', text: JSON.stringify(data) }] };
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
