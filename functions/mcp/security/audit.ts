/**
 * One audit row per tool call (key id, tool, SHA-256 of the canonical arguments, outcome, latency). The outcome comes
 * from our tool handler, or from the response itself for calls the SDK refuses before our handler runs (invalid input).
 */
import type { McpDeps } from '../deps.ts';
import type { AuditBuffer, AuditRecord } from './audit-buffer.ts';
import type { ToolCallInfo } from './guard.ts';

/** Filled by the tool handler with the call's outcome (absent when the SDK answered without running it). */
export interface AuditSlot { outcome?: string }

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
 * Queues the call's audit record once its outcome is known; the buffer digests and writes it after the answer has gone
 * out (McpService.flushAudits/close wait for it), so neither the audit store's latency nor its CPU lands on the answer.
 * When our handler ran it reported the outcome in `slot` and the answer goes back untouched; only answers the SDK
 * produced on its own (refused input: small) or streams are read for their outcome.
 */
export async function auditToolCall(deps: McpDeps, audits: AuditBuffer, keyId: string, call: ToolCallInfo, started: number, response: Response, slot: AuditSlot = {}): Promise<Response> {
  const record = (outcome: string): AuditRecord => ({ at: started, keyId, tool: call.name, args: call.args, outcome, latencyMs: deps.now() - started });
  if (response.status !== 200) {
    audits.add(record(`http:${response.status}`));
    return response;
  }
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('text/event-stream')) {
    // Cloned now (a consumed body cannot be cloned), read as the client reads it. Not in call order: a long-poll stream
    // must not hold back the records of the calls after it.
    const copy = response.clone();
    audits.addWhenReady(copy.text().then((t) => record(outcomeOfMessage(lastSseMessage(t))), () => record('stream_aborted')));
    return response;
  }
  if (slot.outcome !== undefined) {
    audits.add(record(slot.outcome));
    return response;
  }
  // A complete JSON answer is read once and re-wrapped: a tee'd body would turn it into a chunked stream, which costs
  // a delayed-ACK round trip (~40 ms) on keep-alive connections.
  const body = new Uint8Array(await response.arrayBuffer());
  audits.add(record(outcomeOfText(new TextDecoder().decode(body))));
  return new Response(body, { status: response.status, headers: response.headers });
}
