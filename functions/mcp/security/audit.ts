/**
 * Writes one audit row per tool call (key id, tool, SHA-256 of the canonical arguments, outcome, latency). The outcome
 * is read from the response itself, so calls the SDK refuses before our handler runs (invalid input) are recorded too.
 */
import type { McpDeps } from '../deps.ts';
import { canonicalJson, sha256Hex } from '../digest.ts';
import type { ToolCallInfo } from './guard.ts';

/** Filled by the tool handler with the call's outcome (absent when the SDK answered without running it). */
export interface AuditSlot { outcome?: string }

export function argsDigest(args: unknown): Promise<string> {
  return sha256Hex(canonicalJson(args ?? {}));
}

function outcomeOfMessage(message: unknown): string {
  if (typeof message !== 'object' || message === null) return 'unknown';
  const m = message as { error?: { code?: unknown }; result?: { isError?: unknown; content?: { type?: string; text?: string }[] } };
  if (m.error !== undefined) return `rpc_error:${String(m.error.code)}`;
  if (m.result?.isError !== true) return 'ok';
  const text = m.result.content?.[0]?.text ?? '';
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown } };
    if (typeof parsed.error?.code === 'string') return `error:${parsed.error.code}`;
  } catch {
    // Not our JSON: the SDK's own input-validation message.
  }
  return 'error:INVALID_INPUT';
}

/** Only for answers the SDK produced without running our handler (refused input): small, so parsing is cheap. */
function outcomeOfText(text: string): string {
  try {
    return outcomeOfMessage(JSON.parse(text));
  } catch {
    return 'unreadable_response';
  }
}

function lastSseMessage(text: string): unknown {
  const data = text.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).filter((l) => l.length > 0);
  for (let i = data.length - 1; i >= 0; i--) {
    try {
      const msg = JSON.parse(data[i] as string) as { result?: unknown; error?: unknown };
      if (msg.result !== undefined || msg.error !== undefined) return msg;
    } catch {
      // keep looking
    }
  }
  return null;
}

/**
 * Records the call once its outcome is known. The digest and the write are handed to `later` (McpService runs them
 * after the answer has gone out, and flushAudits/close wait for them), so neither the audit store's latency nor its
 * CPU lands on the answer.
 */
export async function auditToolCall(deps: McpDeps, keyId: string, call: ToolCallInfo, started: number, response: Response, later: (job: () => Promise<void>, ordered?: boolean) => void, slot: AuditSlot = {}): Promise<Response> {
  const latencyMs = (): number => deps.now() - started;
  const write = (outcome: string, ms = latencyMs()): void => {
    later(() => argsDigest(call.args).then((digest) => deps.audit.record({ at: started, keyId, tool: call.name, argsDigest: digest, outcome, latencyMs: ms })).catch(deps.onInternalError));
  };
  if (response.status !== 200) {
    write(`http:${response.status}`);
    return response;
  }
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('text/event-stream')) {
    // Cloned now (a consumed body cannot be cloned), read later: the copy buffers what the client already received.
    // Not in call order: a long-poll stream must not hold back the audit rows of the calls after it.
    const copy = response.clone();
    later(() => copy.text().then((t) => write(outcomeOfMessage(lastSseMessage(t))), () => write('stream_aborted')), false);
    return response;
  }
  // A complete JSON answer is read once and re-wrapped: a tee'd body would turn it into a chunked stream, which costs
  // a delayed-ACK round trip (~40 ms) on keep-alive connections.
  // Bytes, not text: decoding and re-encoding a large answer cost as much as the rest of the gate.
  const body = new Uint8Array(await response.arrayBuffer());
  write(slot.outcome ?? outcomeOfText(new TextDecoder().decode(body)));
  return new Response(body, { status: response.status, headers: response.headers });
}
