/** Assembles McpDeps from one SQL connection and a schema: the stand-alone wiring (tests, bench, single node). */
import { redact } from '../../lib/errors.ts';
import { DEFAULT_CONFIG } from '../deps.ts';
import type { McpConfig, McpDeps } from '../deps.ts';
import type { RateLimiterPort, SqlPort } from '../ports.ts';
import { createTokenBucketLimiter } from '../security/rate-limit.ts';
import type { AlertRuleInput } from '../tools/alert-rule-input.ts';
import { libraryIndicators } from './indicators.ts';
import { createSqlAnalytics } from './sql-analytics.ts';
import { createSqlMarketRead } from './sql-market.ts';
import { createSqlAuditLog, createSqlBackfillQueue, createSqlEventsSource, createSqlKeyStore, createSqlRulesStore } from './sql-stores.ts';

export function createSqlDeps(opts: { sql: SqlPort; schema: string; config?: Partial<McpConfig>; rateLimiter?: RateLimiterPort; now?: () => number; onInternalError?: (e: unknown) => void }): McpDeps {
  const now = opts.now ?? (() => Date.now());
  const { sql, schema } = opts;
  return {
    read: createSqlMarketRead(sql, schema, now),
    indicators: libraryIndicators,
    rules: createSqlRulesStore<AlertRuleInput>(sql, schema, now),
    events: createSqlEventsSource(sql, schema),
    backfill: createSqlBackfillQueue(sql, schema, now),
    analytics: createSqlAnalytics(sql, schema),
    keys: createSqlKeyStore(sql, schema),
    audit: createSqlAuditLog(sql, schema),
    rateLimiter: opts.rateLimiter ?? createTokenBucketLimiter({ capacity: 120, refillPerSec: 2, now }),
    config: { ...DEFAULT_CONFIG, ...opts.config },
    now,
    // Server-side only (stderr): the full cause, with secrets redacted; clients only ever see code INTERNAL.
    onInternalError: opts.onInternalError ?? ((error) => console.error(`mcp internal error: ${redact(error instanceof Error ? error.stack ?? error.message : String(error))}`)),
  };
}
