import * as z from 'zod';
import { badInput } from './result.ts';

/**
 * Opaque cursors: base64url JSON `{k: tool kind, p: position, q: digest of the query}`. The query digest makes a
 * cursor refuse to continue a different query (the agent changed arguments between pages).
 */
const CursorBody = z.object({ k: z.string().max(40), p: z.union([z.number(), z.string().max(200)]), q: z.string().max(64) });

export const CursorArg = z.string().max(512).regex(/^[A-Za-z0-9_-]+$/, 'cursor must be a value returned as nextCursor').describe('nextCursor from a previous call with the same arguments');

export function encodeCursor(kind: string, position: number | string, queryKey: string): string {
  const bytes = new TextEncoder().encode(JSON.stringify({ k: kind, p: position, q: queryKey }));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeCursor(kind: string, cursor: string, queryKey: string): number | string {
  let parsed: z.infer<typeof CursorBody> | undefined;
  try {
    const b64 = cursor.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const json: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0))));
    const result = CursorBody.safeParse(json);
    if (result.success) parsed = result.data;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || parsed.k !== kind) throw badInput('cursor is not valid for this tool: pass nextCursor exactly as returned, or omit it to start over');
  if (parsed.q !== queryKey) throw badInput('cursor belongs to a different query: repeat the original arguments with it, or omit it to start over');
  return parsed.p;
}

/** A short stable key of the arguments that define a query (everything but cursor/limit). */
export function queryKey(parts: unknown): string {
  const text = JSON.stringify(parts);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619) >>> 0;
    h2 = Math.imul(h2 ^ c, 2246822519) >>> 0;
  }
  return h1.toString(36) + h2.toString(36);
}
