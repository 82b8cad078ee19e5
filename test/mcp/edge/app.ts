/**
 * The MCP app as an edge runtime hosts it (Deno, workerd): Web-standard only. Keys come from a fixed in-memory
 * record (SHA-256 of EDGE_TEST_KEY); the data ports are not needed for tools/list and refuse if called.
 */
import { createMcpApp } from '../../../functions/mcp/app.ts';
import { DEFAULT_CONFIG } from '../../../functions/mcp/deps.ts';
import type { McpDeps } from '../../../functions/mcp/deps.ts';
import { AppError } from '../../../functions/lib/errors.ts';
import { libraryIndicators } from '../../../functions/mcp/adapters/indicators.ts';
import { createTokenBucketLimiter } from '../../../functions/mcp/security/rate-limit.ts';

const EDGE_TEST_KEY_HASH = 'cf3772308861f996af6e4f74bc9eb8e5b92eec3a6a2225772c9627cbd63aaf5c';

function unavailable(): never {
  throw new AppError('UNAVAILABLE', 'This smoke deployment has no data stores', { status: 503 });
}
const refuse = new Proxy({}, { get: () => unavailable });

const deps: McpDeps = {
  read: refuse as McpDeps['read'], rules: refuse as McpDeps['rules'], events: refuse as McpDeps['events'], backfill: refuse as McpDeps['backfill'], analytics: refuse as McpDeps['analytics'],
  indicators: libraryIndicators,
  keys: {
    byId: async (id) => (id === '0123456789ab' ? { id, name: 'edge', scopes: ['read'], hash: EDGE_TEST_KEY_HASH, createdAt: 0, revokedAt: null, lastUsedAt: null } : null),
    insert: unavailable, list: unavailable, revoke: unavailable,
  },
  audit: { recordBatch: async () => undefined },
  rateLimiter: createTokenBucketLimiter({ capacity: 100, refillPerSec: 10 }),
  config: { ...DEFAULT_CONFIG, allowedHosts: undefined, snapshotPollMs: 0 },
  now: () => Date.now(),
  onInternalError: () => undefined,
};

export default createMcpApp(deps);
