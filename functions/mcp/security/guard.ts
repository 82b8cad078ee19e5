/**
 * The HTTP gate in front of the MCP handler: Host/Origin (403), body size (413), API key (401), per-key rate limit
 * (429 + Retry-After), JSON shape (400) and per-tool scope (403). Error bodies are JSON-RPC envelopes with a stable
 * `data.code` and a message that says what to do; none echoes the request.
 */
import { hostHeaderValidationResponse, originValidationResponse } from '@modelcontextprotocol/server';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { McpDeps } from '../deps.ts';
import type { ApiKeyRecord, Scope } from '../ports.ts';
import type { AuditBuffer } from './audit-buffer.ts';
import type { KeyVerifier } from './key-cache.ts';
import { hasScope } from './keys.ts';

/** What the spec tells a server to assume of a request without an MCP-Protocol-Version header. */
const DEFAULT_PROTOCOL_VERSION = '2025-03-26';

export interface ToolCallInfo { name: string; args: unknown; id: string | number | null }
export interface GuardPassed {
  key: ApiKeyRecord;
  authInfo: AuthInfo;
  parsedBody: unknown;
  toolCall: ToolCallInfo | null;
  /** The protocol version the request speaks: its MCP-Protocol-Version header, else its `_meta`, else 2025-03-26 (the spec's default when a client sends none). */
  protocolVersion: string;
}

const READ_METHODS = new Set(['resources/read', 'resources/list', 'resources/templates/list', 'subscriptions/listen']);

export function rpcError(status: number, code: string, message: string, id: string | number | null = null, headers: Record<string, string> = {}): Response {
  const rpcCode = status === 400 ? -32600 : -32000;
  return new Response(JSON.stringify({ jsonrpc: '2.0', id, error: { code: rpcCode, message, data: { code } } }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

async function readBodyLimited(req: Request, max: number): Promise<string | null> {
  const length = req.headers.get('content-length');
  const declared = Number(length ?? '0');
  if (Number.isFinite(declared) && declared > max) return null;
  // With a declared length within the limit the HTTP layer delivers at most that many bytes, so the body is read in
  // one call (on Node, @hono/node-server reads it without building a web stream); the size is checked again anyway.
  if (length !== null && Number.isInteger(declared) && declared >= 0) {
    const text = await req.text();
    return text.length > max ? null : text;
  }
  if (req.body === null) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

function bearer(req: Request): string | null {
  const header = req.headers.get('authorization');
  if (header === null) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match === null ? '' : (match[1] as string);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export async function guardMcpRequest(req: Request, deps: McpDeps, toolScopes: Readonly<Record<string, Scope>>, keys: KeyVerifier, audits: AuditBuffer): Promise<Response | GuardPassed> {
  const { config } = deps;
  if (config.allowedHosts !== undefined) {
    const refused = hostHeaderValidationResponse(req, config.allowedHosts);
    if (refused !== undefined) return rpcError(403, 'HOST_NOT_ALLOWED', 'This Host is not allowed to reach the MCP endpoint; use the configured host name.');
  }
  if (config.allowedOrigins !== undefined && req.headers.get('origin') !== null) {
    const refused = originValidationResponse(req, config.allowedOrigins);
    if (refused !== undefined) return rpcError(403, 'ORIGIN_NOT_ALLOWED', 'Requests from this Origin are not allowed; call from an allowed origin or without one.');
  }

  const token = bearer(req);
  const challenge = (desc: string): Record<string, string> => ({ 'www-authenticate': `Bearer realm="mcp", error="invalid_token", error_description="${desc}"` });
  if (token === null) return rpcError(401, 'UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>" (create one with npm run keys -- create).', null, { 'www-authenticate': 'Bearer realm="mcp"' });
  const key = token === '' ? null : await keys.verify(token);
  if (key === null) return rpcError(401, 'INVALID_API_KEY', 'The API key is unknown, malformed or revoked; ask an admin for a valid key.', null, challenge('unknown or revoked API key'));

  const limit = await deps.rateLimiter.take(key.id);
  if (!limit.allowed) {
    const seconds = Math.max(1, Math.ceil(limit.retryAfterMs / 1000));
    return rpcError(429, 'RATE_LIMITED', `Rate limit for this API key reached; retry after ${seconds} s.`, null, { 'retry-after': String(seconds) });
  }

  const authInfo: AuthInfo = { token: `key:${key.id}`, clientId: key.id, scopes: key.scopes };
  const header = req.headers.get('mcp-protocol-version');
  if (req.method !== 'POST') return { key, authInfo, parsedBody: undefined, toolCall: null, protocolVersion: header ?? DEFAULT_PROTOCOL_VERSION };

  const text = await readBodyLimited(req, config.maxBodyBytes);
  if (text === null) return rpcError(413, 'REQUEST_TOO_LARGE', `Request body exceeds ${config.maxBodyBytes} bytes; send fewer or shorter arguments.`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: the body must be one JSON-RPC message', data: { code: 'PARSE_ERROR' } } }), { status: 400, headers: { 'content-type': 'application/json' } });
  }
  if (!isRecord(body)) return rpcError(400, 'INVALID_REQUEST', 'The body must be one JSON-RPC object (batches are not supported).');
  const id = typeof body.id === 'string' || typeof body.id === 'number' ? body.id : null;
  const method = typeof body.method === 'string' ? body.method : '';
  const params = isRecord(body.params) ? body.params : {};

  let needed: Scope | undefined;
  let toolCall: ToolCallInfo | null = null;
  if (method === 'tools/call' && typeof params.name === 'string') {
    needed = toolScopes[params.name];
    toolCall = { name: params.name.slice(0, 128), args: params.arguments ?? {}, id };
  } else if (READ_METHODS.has(method)) {
    needed = 'read';
  }
  if (toolCall !== null && audits.full()) {
    return rpcError(503, 'AUDIT_BACKLOG', 'The audit log is not keeping up, so tool calls are refused for now; retry in a few seconds.', id, { 'retry-after': '5' });
  }
  if (needed !== undefined && !hasScope(key.scopes, needed)) {
    if (toolCall !== null) audits.add({ at: deps.now(), keyId: key.id, tool: toolCall.name, args: toolCall.args, outcome: 'denied:insufficient_scope', latencyMs: 0 });
    return rpcError(403, 'INSUFFICIENT_SCOPE', `This API key lacks the "${needed}" scope needed here; use a key with that scope.`, id, {
      'www-authenticate': `Bearer realm="mcp", error="insufficient_scope", scope="${needed}"`,
    });
  }
  const metaVersion = isRecord(params._meta) ? params._meta['io.modelcontextprotocol/protocolVersion'] : undefined;
  const protocolVersion = header ?? (typeof metaVersion === 'string' ? metaVersion : DEFAULT_PROTOCOL_VERSION);
  return { key, authInfo, parsedBody: body, toolCall, protocolVersion };
}
