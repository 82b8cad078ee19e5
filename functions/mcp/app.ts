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
import { toolError, toolResult } from './result.ts';
import { auditToolCall } from './security/audit.ts';
import { guardMcpRequest, rpcError } from './security/guard.ts';
import { TOOLS, TOOL_SCOPES } from './tools/index.ts';

export const SERVER_INFO = { name: 'agent-market-data', version: '0.1.0' } as const;

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
  for (const tool of TOOLS) {
    server.registerTool(tool.name, {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.input,
      outputSchema: tool.output,
      annotations: tool.annotations,
    }, async (args: unknown, extra) => {
      try {
        return toolResult(await tool.run(args as never, { keyId, signal: extra.mcpReq.signal, deps }));
      } catch (error) {
        const { code: _code, ...result } = toolError(error, deps.onInternalError);
        return result;
      }
    });
  }
  registerSnapshotResources(server, deps);
  return server;
}

export interface McpService {
  app: Hono;
  handler: McpHttpHandler;
  /** Resolves when background audit writes (of streamed answers) have finished. */
  flushAudits(): Promise<void>;
  close(): Promise<void>;
}

export function createMcpService(deps: McpDeps): McpService {
  const handler = createMcpHandler((ctx) => buildServer(deps, ctx), {
    legacy: 'stateless',
    maxRequestBodySize: deps.config.maxBodyBytes,
    onerror: deps.onInternalError,
  });
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const stopWatcher = deps.config.snapshotPollMs > 0 ? startSnapshotWatcher(deps, (uri) => handler.notify.resourceUpdated(uri)) : () => undefined;

  const app = new Hono();
  app.all('/mcp', async (c) => {
    const started = deps.now();
    const guarded = await guardMcpRequest(c.req.raw, deps, TOOL_SCOPES);
    if (guarded instanceof Response) return guarded;
    try {
      const response = await handler.fetch(c.req.raw, { authInfo: guarded.authInfo, parsedBody: guarded.parsedBody });
      return guarded.toolCall === null ? response : await auditToolCall(deps, guarded.key.id, guarded.toolCall, started, response, track);
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
    flushAudits: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: async () => {
      stopWatcher();
      await handler.close();
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

/** The app factory (CONTRIBUTING: functions/NAME/app.ts exports it). */
export function createMcpApp(deps: McpDeps): Hono {
  return createMcpService(deps).app;
}
