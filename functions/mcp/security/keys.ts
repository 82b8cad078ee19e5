/**
 * API keys: `amk_<12 hex id>_<43 char secret>`. Only SHA-256(token) is stored; the id prefix finds the record
 * without scanning, and the hash comparison is constant-time.
 */
import { sha256Hex } from '../digest.ts';
import type { ApiKeyRecord, KeyStorePort, Scope } from '../ports.ts';

const TOKEN_PATTERN = /^amk_([a-f0-9]{12})_([A-Za-z0-9_-]{43})$/;

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh key: the token (shown once) and the record to store. */
export async function generateApiKey(name: string, scopes: Scope[], now: number): Promise<{ token: string; record: ApiKeyRecord }> {
  const id = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
  const token = `amk_${id}_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
  return { token, record: { id, name, scopes: [...new Set(scopes)], hash: await sha256Hex(token), createdAt: now, revokedAt: null, lastUsedAt: null } };
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The live key record for a bearer token, or null (malformed, unknown, wrong secret, revoked). */
export async function verifyApiKey(keys: KeyStorePort, token: string): Promise<ApiKeyRecord | null> {
  const match = TOKEN_PATTERN.exec(token);
  if (match === null) return null;
  const record = await keys.byId(match[1] as string);
  if (record === null || record.revokedAt !== null) return null;
  return constantTimeEqual(record.hash, await sha256Hex(token)) ? record : null;
}

export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  return granted.includes('admin') || granted.includes(needed);
}
