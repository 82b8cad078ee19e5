/**
 * The MCP function: a Hono app serving `/mcp` (spec 2026-07-28 over Streamable HTTP, plus 2025-era clients through
 * the SDK's stateless legacy fallback). Stateless per request: a fresh McpServer per HTTP request; all state lives
 * behind the injected ports.
 */
import { Hono } from 'hono';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import type { McpHttpHandler, McpRequestContext } from '@modelcontextprotocol/server';
import type { McpDeps } from './deps.ts';
import { registerSnapshotResources, startSnapshotWatcher } from './resources.ts';
import { AppError } from '../lib/errors.ts';
import { textPolicyFor, toolError, toolResult } from './result.ts';
import { auditToolCall } from './security/audit.ts';
import type { AuditSlot } from './security/audit.ts';
import { createAuditBuffer } from './security/audit-buffer.ts';
import { guardMcpRequest, rpcError } from './security/guard.ts';
import { createCachedKeyVerifier } from './security/key-cache.ts';
import { TOOLS, TOOL_SCOPES } from './tools/index.ts';
import { preparedInput, preparedOutput } from './tool-schemas.ts';

export const SERVER_INFO = { name: 'agent-market-data', version: '0.1.0' } as const;

/** Built once per process: the per-request servers share the schemas and their JSON Schema conversions. */
const PREPARED = TOOLS.map((tool) => ({ tool, input: preparedInput(tool.input), output: preparedOutput(tool.output) }));

function auditSlotOf(ctx: McpRequestContext): AuditSlot | undefined {
  const slot = ctx.authInfo?.extra?.auditSlot;
  return typeof slot === 'object' && slot !== null ? (slot as AuditSlot) : undefined;
}

/** What a per-request server needs: a tools/call only its tool (one request per server), anything else everything. */
function toolsFor(ctx: McpRequestContext): { only: (typeof PREPARED)[number] | undefined; all: boolean } {
  const name = ctx.authInfo?.extra?.toolName;
  const only = typeof name === 'string' ? PREPARED.find((p) => p.tool.name === name) : undefined;
  return { only, all: only === undefined };
}

function buildServer(deps: McpDeps, ctx: McpRequestContext): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: {
      tools: { listChanged: false },
      // The stateless legacy fallback cannot push, so only 2026-07-28 requests are told subscriptions work.
      resources: { subscribe: ctx.era === 'modern', listChanged: false },
    },
    cacheHints: { 'tools/list': { ttlMs: 300_000, cacheScope: 'public' }, 'resources/templates/list': { ttlMs: 300_000, cacheScope: 'public' } },
    instructions: 'Crypto market data (candles with quality flags, indicators, analytics, backtests) and server-side alerts. '
      + 'Results are bounded: read summary first, then page with nextCursor. Symbols are BASE-QUOTE (BTC-USD); times are epoch ms.',
  });
  const keyId = ctx.authInfo?.clientId ?? 'anonymous';
  const slot = auditSlotOf(ctx);
  const needed = toolsFor(ctx);
  const version = ctx.authInfo?.extra?.protocolVersion;
  const text = textPolicyFor(typeof version === 'string' ? version : '', deps.config.textMaxItems);
  for (const { tool, input, output } of needed.only === undefined ? PREPARED : [needed.only]) {
    server.registerTool(tool.name, {
      title: tool.title,
      description: tool.description,
      inputSchema: input,
      outputSchema: output,
      annotations: tool.annotations,
    }, async (args: unknown, extra) => {
      try {
        // Validated here rather than by the SDK, so a result outside the schema is recorded as the error it is.
        const checked = tool.output.safeParse(await tool.run(args as never, { keyId, signal: extra.mcpReq.signal, deps }));
        if (!checked.success) {
          throw new AppError('OUTPUT_INVALID', `${tool.name} produced a result outside its output schema: ${checked.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
        }
        const result = toolResult(checked.data, text);
        if (slot !== undefined) slot.outcome = 'ok';
        return result;
      } catch (error) {
        const { code, ...result } = toolError(error, deps.onInternalError);
        if (slot !== undefined) slot.outcome = `error:${code}`;
        return result;
      }
    });
  }
  if (needed.all) registerSnapshotResources(server, deps);
  return server;
}

export interface McpService {
  app: Hono;
  handler: McpHttpHandler;
  /** Writes the queued audit records now; resolves when they are stored (rejects if the audit store refuses them). */
  flushAudits(): Promise<void>;
  close(): Promise<void>;
}

export function createMcpService(deps: McpDeps): McpService {
  const handler = createMcpHandler((ctx) => buildServer(deps, ctx), {
    legacy: 'stateless',
    maxRequestBodySize: deps.config.maxBodyBytes,
    onerror: deps.onInternalError,
  });
  const audits = createAuditBuffer(deps.audit, {
    flushMs: deps.config.auditFlushMs, batchSize: deps.config.auditBatchSize, maxBacklog: deps.config.auditMaxBacklog, onError: deps.onInternalError,
  });
  const keys = createCachedKeyVerifier(deps.keys, { ttlMs: deps.config.keyCacheMs, now: deps.now });
  const stopWatcher = deps.config.snapshotPollMs > 0 ? startSnapshotWatcher(deps, (uri) => handler.notify.resourceUpdated(uri)) : () => undefined;

  const app = new Hono();
  app.all('/mcp', async (c) => {
    const started = deps.now();
    const guarded = await guardMcpRequest(c.req.raw, deps, TOOL_SCOPES, keys, audits);
    if (guarded instanceof Response) return guarded;
    try {
      // The tool handler reports its outcome here, so the audit does not have to parse the (large) answer.
      const slot: AuditSlot = {};
      const toolName = guarded.toolCall?.name;
      const authInfo = { ...guarded.authInfo, extra: { ...guarded.authInfo.extra, auditSlot: slot, protocolVersion: guarded.protocolVersion, ...(toolName === undefined ? {} : { toolName }) } };
      const response = await handler.fetch(c.req.raw, { authInfo, parsedBody: guarded.parsedBody });
      return guarded.toolCall === null ? response : await auditToolCall(deps, audits, guarded.key.id, guarded.toolCall, started, response, slot);
    } catch (error) {
      deps.onInternalError(error);
      return rpcError(500, 'INTERNAL', 'The server failed to answer; retry later.');
    }
  });
  app.notFound(() => rpcError(404, 'NOT_FOUND', 'The MCP endpoint is /mcp.'));
  app.onError((error) => {
    deps.onInternalError(error);
    return rpcError(500, 'INTERNAL', 'The server failed to answer; retry later.');
  });

  return {
    app,
    handler,
    flushAudits: () => audits.flush(),
    close: async () => {
      stopWatcher();
      keys.close();
      await handler.close();
      await audits.close();
    },
  };
}

/** The app factory (CONTRIBUTING: functions/NAME/app.ts exports it). */
export function createMcpApp(deps: McpDeps): Hono {
  return createMcpService(deps).app;
}
