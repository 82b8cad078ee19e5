/**
 * The audit buffer: records are written after the answer, batched, in call order, and never dropped (a failed write is
 * retried with everything queued after it; close refuses to lose records), and the outcome it records for a result
 * outside the output schema. In-memory store, fake timers, no database.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMcpService } from '../../functions/mcp/app.ts';
import { DEFAULT_CONFIG } from '../../functions/mcp/deps.ts';
import type { McpDeps } from '../../functions/mcp/deps.ts';
import { canonicalJson, sha256Hex } from '../../functions/mcp/digest.ts';
import type { AuditEntry, AuditLogPort } from '../../functions/mcp/ports.ts';
import { createAuditBuffer } from '../../functions/mcp/security/audit-buffer.ts';
import type { AuditBufferOptions, AuditRecord } from '../../functions/mcp/security/audit-buffer.ts';
import { generateApiKey } from '../../functions/mcp/security/keys.ts';
import { createTokenBucketLimiter } from '../../functions/mcp/security/rate-limit.ts';

/** An audit store that can be switched to failing; `batches` holds what each successful write stored. */
function memoryStore(): AuditLogPort & { batches: AuditEntry[][]; failing: boolean; attempts: number; rows(): AuditEntry[] } {
  const store = {
    batches: [] as AuditEntry[][],
    failing: false,
    attempts: 0,
    async recordBatch(entries: readonly AuditEntry[]) {
      store.attempts += 1;
      if (store.failing) throw new Error('audit store unavailable');
      store.batches.push([...entries]);
    },
    rows: () => store.batches.flat(),
  };
  return store;
}

const record = (i: number): AuditRecord => ({ at: 1_000 + i, keyId: 'k1', tool: 'get_candles', args: { i }, outcome: 'ok', latencyMs: i });
const options = (over: Partial<AuditBufferOptions> = {}): AuditBufferOptions => ({ flushMs: 250, batchSize: 100, maxBacklog: 1_000, onError: () => undefined, ...over });

afterEach(() => {
  vi.useRealTimers();
});

describe('audit buffer', () => {
  it('writes every record in call order, in batches of batchSize, with the digest of the canonical arguments', async () => {
    const store = memoryStore();
    const audits = createAuditBuffer(store, options({ batchSize: 4, flushMs: 60_000 }));
    for (let i = 0; i < 3; i++) audits.add(record(i));
    expect(store.attempts).toBe(0);
    for (let i = 3; i < 10; i++) audits.add(record(i));
    await audits.flush();
    expect(store.rows().map((e) => e.at)).toEqual(Array.from({ length: 10 }, (_, i) => 1_000 + i));
    expect(store.batches.every((b) => b.length <= 4)).toBe(true);
    expect(store.rows()[7]?.argsDigest).toBe(await sha256Hex(canonicalJson({ i: 7 })));
    await audits.close();
  });

  it('writes on its own flushMs after the first record, and at once when batchSize records wait', async () => {
    vi.useFakeTimers();
    const store = memoryStore();
    const audits = createAuditBuffer(store, options({ batchSize: 3, flushMs: 250 }));
    audits.add(record(0));
    await vi.advanceTimersByTimeAsync(249);
    expect(store.attempts).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    // Digests are computed by Web Crypto off the timer queue: wait for the write the timer started.
    await vi.waitFor(() => expect(store.rows().map((e) => e.at)).toEqual([1_000]));
    await audits.close();

    const full = memoryStore();
    const batched = createAuditBuffer(full, options({ batchSize: 3, flushMs: 3_600_000 }));
    for (let i = 1; i <= 3; i++) batched.add(record(i));
    await vi.waitFor(() => expect(full.rows().map((e) => e.at)).toEqual([1_001, 1_002, 1_003]));
    await batched.close();
  });

  it('never drops a record when writes fail: retries them ahead of later records, once each', async () => {
    const store = memoryStore();
    const errors: unknown[] = [];
    const audits = createAuditBuffer(store, options({ batchSize: 2, flushMs: 3_600_000, onError: (e) => errors.push(e) }));
    store.failing = true;
    audits.add(record(0));
    audits.add(record(1));
    // A full batch is written in the background; its failure is reported and the records stay queued.
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(audits.backlog()).toBe(2);
    audits.add(record(2));
    await expect(audits.flush()).rejects.toThrow(/unavailable/);
    expect(audits.backlog()).toBe(3);
    // While the store fails, a full backlog waits for the retry instead of writing on every call.
    expect(store.attempts).toBe(2);

    store.failing = false;
    audits.add(record(3));
    await audits.flush();
    expect(store.rows().map((e) => e.at)).toEqual([1_000, 1_001, 1_002, 1_003]);
    expect(audits.backlog()).toBe(0);
    await audits.close();
  });

  it('waits for records whose outcome is still streaming', async () => {
    const store = memoryStore();
    const audits = createAuditBuffer(store, options({ flushMs: 60_000 }));
    let finish: (r: AuditRecord) => void = () => undefined;
    audits.addWhenReady(new Promise<AuditRecord>((resolve) => { finish = resolve; }));
    audits.add(record(1));
    const flushed = audits.flush();
    finish(record(0));
    await flushed;
    expect(store.rows().map((e) => e.at).sort()).toEqual([1_000, 1_001]);
    await audits.close();
  });

  it('close writes what is queued, and refuses to lose records while the store fails', async () => {
    const store = memoryStore();
    const audits = createAuditBuffer(store, options({ flushMs: 60_000 }));
    audits.add(record(0));
    store.failing = true;
    await expect(audits.close()).rejects.toMatchObject({ code: 'AUDIT_FLUSH_FAILED' });
    expect(audits.backlog()).toBe(1);
    store.failing = false;
    await audits.close();
    expect(store.rows().map((e) => e.at)).toEqual([1_000]);
  });
});

describe('audit buffer in the MCP service', () => {
  async function service(store: AuditLogPort, config: Partial<McpDeps['config']> = {}, over: { latest?: McpDeps['read']['latest']; errors?: unknown[] } = {}) {
    const { token, record: key } = await generateApiKey('audit test', ['read'], 0);
    const refuse = new Proxy({}, { get: () => () => { throw new Error('not used by this test'); } });
    const deps: McpDeps = {
      read: { ...(refuse as McpDeps['read']), latest: over.latest ?? (async () => []) },
      indicators: refuse as McpDeps['indicators'], rules: refuse as McpDeps['rules'], events: refuse as McpDeps['events'],
      backfill: refuse as McpDeps['backfill'], analytics: refuse as McpDeps['analytics'],
      keys: { byId: async (id) => (id === key.id ? key : null), insert: async () => undefined, list: async () => [key], revoke: async () => false },
      audit: store,
      rateLimiter: createTokenBucketLimiter({ capacity: 1_000, refillPerSec: 1_000 }),
      config: { ...DEFAULT_CONFIG, snapshotPollMs: 0, ...config },
      now: () => Date.now(),
      onInternalError: (e) => over.errors?.push(e),
    };
    const mcp = createMcpService(deps);
    const call = async (id: number): Promise<Response> => mcp.app.fetch(new Request('http://127.0.0.1/mcp', {
      method: 'POST',
      headers: { host: '127.0.0.1', authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'get_latest_prices', arguments: { symbols: ['BTC-USD'] } } }),
    }));
    return { mcp, call, keyId: key.id };
  }

  it('records every call once, after answering, and close writes the last ones', async () => {
    const store = memoryStore();
    const { mcp, call, keyId } = await service(store, { auditFlushMs: 60_000 });
    for (let i = 1; i <= 5; i++) expect((await call(i)).status).toBe(200);
    expect(store.rows()).toHaveLength(0);
    await mcp.close();
    expect(store.rows().map((e) => [e.keyId, e.tool, e.outcome])).toEqual(Array.from({ length: 5 }, () => [keyId, 'get_latest_prices', 'ok']));
  });

  it('refuses tool calls with 503 AUDIT_BACKLOG while the backlog is full, and serves again once it is written', async () => {
    const store = memoryStore();
    store.failing = true;
    const { mcp, call } = await service(store, { auditFlushMs: 60_000, auditMaxBacklog: 2 });
    expect((await call(1)).status).toBe(200);
    expect((await call(2)).status).toBe(200);
    const refused = await call(3);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { data: { code: string } } }).error.data.code).toBe('AUDIT_BACKLOG');
    await expect(mcp.flushAudits()).rejects.toThrow(/unavailable/);
    store.failing = false;
    await mcp.flushAudits();
    expect((await call(4)).status).toBe(200);
    await mcp.close();
    expect(store.rows()).toHaveLength(3);
  });

  it('validates results against the output schema: one outside it is answered and audited as INTERNAL', async () => {
    const store = memoryStore();
    const errors: unknown[] = [];
    const latest: McpDeps['read']['latest'] = async () => [{ exchange: 'cccagg', symbol: 'BTC-USD', timestamp: 1, close: Number.NaN, state: 'closed', ageMs: 5 }];
    const { mcp, call } = await service(store, {}, { latest, errors });
    const text = await (await call(1)).text();
    expect(text).toContain('"isError":true');
    expect(text).toContain('INTERNAL');
    expect(errors).toEqual([expect.objectContaining({ code: 'OUTPUT_INVALID' })]);
    await mcp.close();
    expect(store.rows().map((e) => e.outcome)).toEqual(['error:INTERNAL']);
  });
});
