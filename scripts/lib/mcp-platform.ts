/**
 * The MCP service on the platform's real dependencies (what `npm start` mounts at /mcp): the read layer over both
 * stores plus the platform tables (sql/timescale 004: market_metadata, gaps, dead_letters, alert_rules, alert_events,
 * api_keys, audit_log), named analytics on ClickHouse, and backfills through the analytics-requests topic.
 */
import type { ClickHouseClient } from '@clickhouse/client-web';
import type pg from 'pg';
import { redact } from '../../functions/lib/errors.ts';
import type { ReadLayer } from '../../functions/lib/read/index.ts';
import { createClickHouseAnalytics } from '../../functions/mcp/adapters/clickhouse-analytics.ts';
import { libraryIndicators } from '../../functions/mcp/adapters/indicators.ts';
import { createPlatformMarketRead } from '../../functions/mcp/adapters/platform-market.ts';
import { createPlatformRulesStore } from '../../functions/mcp/adapters/platform-rules.ts';
import { createPlatformAuditLog, createPlatformEventsSource, createPlatformKeyStore } from '../../functions/mcp/adapters/platform-stores.ts';
import { createMcpService, type McpService } from '../../functions/mcp/app.ts';
import { DEFAULT_CONFIG, type McpDeps } from '../../functions/mcp/deps.ts';
import type { KeyStorePort } from '../../functions/mcp/ports.ts';
import { createTokenBucketLimiter } from '../../functions/mcp/security/rate-limit.ts';
import { generateApiKey } from '../../functions/mcp/security/keys.ts';
import { createKafkaBackfillQueue } from './mcp-backfill-queue.ts';

export interface PlatformMcpOptions {
  layer: ReadLayer;
  timescale: pg.Pool;
  clickhouse: ClickHouseClient;
  kafkaBrokers: string;
  exchange: string;
  symbols: string[];
  /** The host the server listens on: a specific one is added to the accepted Host headers, a wildcard accepts any. */
  host: string;
  log: (line: string) => void;
}

/** McpDeps over the platform's stores and topics. */
export function platformMcpDeps(o: PlatformMcpOptions, backfill: McpDeps['backfill']): McpDeps {
  const now = (): number => Date.now();
  const wildcard = o.host === '0.0.0.0' || o.host === '::';
  const hosts = [...new Set([...(DEFAULT_CONFIG.allowedHosts ?? []), o.host])];
  return {
    read: createPlatformMarketRead({ layer: o.layer, sql: o.timescale, streams: { exchange: o.exchange, symbols: o.symbols }, onStoreError: (e) => o.log(`mcp: coverage read failed: ${redact(String(e))}`) }),
    indicators: libraryIndicators,
    rules: createPlatformRulesStore(o.timescale, now),
    events: createPlatformEventsSource(o.timescale),
    backfill,
    analytics: createClickHouseAnalytics(o.clickhouse),
    keys: createPlatformKeyStore(o.timescale),
    audit: createPlatformAuditLog(o.timescale),
    rateLimiter: createTokenBucketLimiter({ capacity: 120, refillPerSec: 2, now }),
    config: {
      ...DEFAULT_CONFIG,
      ...(wildcard ? { allowedHosts: undefined, allowedOrigins: undefined } : { allowedHosts: hosts, allowedOrigins: hosts }),
      snapshotSymbols: o.symbols,
      defaultExchange: o.exchange,
    },
    now,
    onInternalError: (error) => o.log(`mcp internal error: ${redact(error instanceof Error ? error.stack ?? error.message : String(error))}`),
  };
}

/** The MCP service plus the backfill queue it owns; `close` stops both. */
export function startPlatformMcp(o: PlatformMcpOptions): { service: McpService; close(): Promise<void> } {
  const queue = createKafkaBackfillQueue({ brokers: o.kafkaBrokers.split(',').map((b) => b.trim()).filter(Boolean), log: o.log });
  const service = createMcpService(platformMcpDeps(o, queue));
  return {
    service,
    async close() {
      await service.close();
      await queue.close();
    },
  };
}

/**
 * On a store without any API key, creates an admin key and returns its token (the caller prints it once); with keys
 * already there (a later start on the same data), returns undefined and nothing is printed again.
 */
export async function ensureFirstAdminKey(keys: KeyStorePort, now = Date.now()): Promise<string | undefined> {
  if ((await keys.list()).length > 0) return undefined;
  const { token, record } = await generateApiKey('admin (created by npm start)', ['admin'], now);
  await keys.insert(record);
  return token;
}
