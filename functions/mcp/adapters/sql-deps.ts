/** Assembles McpDeps from one SQL connection and a schema: the stand-alone wiring (tests, bench, single node). */
import { redact } from '../../lib/errors.ts';
import { DEFAULT_CONFIG } from '../deps.ts';
import type { McpConfig, McpDeps } from '../deps.ts';
import type { BackfillQueuePort, RateLimiterPort, SqlPort } from '../ports.ts';
import { AppError } from '../../lib/errors.ts';
import { createTokenBucketLimiter } from '../security/rate-limit.ts';
import { libraryIndicators } from './indicators.ts';
import { createSqlAnalytics } from './sql-analytics.ts';
import { createSqlMarketRead } from './sql-market.ts';
import { createPlatformRulesStore } from './platform-rules.ts';
import { createSqlAuditLog, createSqlEventsSource, createSqlKeyStore } from './sql-stores.ts';

/**
 * `sql` + `schema`: the stand-in tables of ./sql-schema.ts. `platformSql`: a connection whose search_path has the
 * migrated platform tables (sql/timescale), where alert rules live so the alerts function evaluates them.
 * `backfill`: the analytics-requests queue (scripts/lib/mcp-backfill-queue.ts on Node); without one the backfill tools
 * answer that backfills are not available here.
 */
const unavailable = async (): Promise<never> => {
  throw new AppError('BACKFILL_UNAVAILABLE', 'Backfills are not available on this server: ask an operator to configure KAFKA_BROKERS', { status: 400 });
};
const NO_BACKFILL_QUEUE: BackfillQueuePort = { enqueue: unavailable, status: unavailable };

export function createSqlDeps(opts: {
  sql: SqlPort; schema: string; platformSql: SqlPort; backfill?: BackfillQueuePort; config?: Partial<McpConfig>; rateLimiter?: RateLimiterPort; now?: () => number; onInternalError?: (e: unknown) => void;
}): McpDeps {
  const now = opts.now ?? (() => Date.now());
  const { sql, schema } = opts;
  return {
    read: createSqlMarketRead(sql, schema, now),
    indicators: libraryIndicators,
    rules: createPlatformRulesStore(opts.platformSql, now),
    events: createSqlEventsSource(sql, schema),
    backfill: opts.backfill ?? NO_BACKFILL_QUEUE,
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
