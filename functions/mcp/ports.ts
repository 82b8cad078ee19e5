/**
 * The small ports the MCP server depends on. Each tool and the security layer only see these interfaces, so the
 * server runs against the real read layer / stores when they are wired in (deploy/, scripts/) and against the
 * SQL adapters in ./adapters/ otherwise. Everything here is Web-standard.
 */
import type { AlertsMessage } from '../../schemas/alerts.ts';
import type { BackfillProgress, BackfillRequest } from '../../schemas/analytics-requests.ts';
import type { Timeframe } from '../../schemas/common.ts';
import type { Bar, IndicatorResult, IndicatorSpec } from '../lib/indicators/types.ts';
import type { StoredCandle } from '../lib/read/types.ts';

export type { StoredCandle };

/** The SQL port the read layer and our adapters share (node-postgres' `Pool` satisfies it). */
export interface SqlPort {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export interface SeriesRef { exchange: string; symbol: string; timeframe: Timeframe }

export interface CandleQuery extends SeriesRef {
  /** Inclusive bucket-start bounds, epoch ms. */
  from: number;
  to: number;
  /** Only candles strictly after this timestamp (pagination). */
  after?: number;
  /** At most this many candles after `after` (fewer only when the range holds no more). */
  limit: number;
  /** Downsample (OHLC-correct, flags unioned) so the whole range fits in about this many epoch-aligned buckets. */
  maxPoints?: number;
}

export interface LatestPrice { exchange: string; symbol: string; timestamp: number; close: number; state: StoredCandle['state']; ageMs: number }

export interface StoreCoverage { store: string; timeframe: Timeframe; first: number | null; last: number | null; candles: number }
export interface MarketInfo { exchange: string; symbol: string; base: string; quote: string; active: boolean; coverage: StoreCoverage[] }

export interface GapInfo { exchange: string; symbol: string; timeframe: Timeframe; from: number; to: number; reason: string; detectedAt: number; repaired: boolean }
export interface DeadLetterCount { stage: string; reasonCode: string; count: number; lastAt: number }
export interface StreamFreshness { stream: string; status: string; lastMessageAt: number | null; ageMs: number | null; reconnects: number }

/** Candles, prices, markets and data quality: backed by functions/lib/read (or the SQL adapter). */
export interface MarketReadPort {
  /** Candles oldest first; `bucketMs` is the spacing (the timeframe unless downsampled). */
  candles(q: CandleQuery): Promise<{ bucketMs: number; candles: StoredCandle[] }>;
  /** Newest 1m candle per symbol. */
  latest(exchange: string, symbols: string[]): Promise<LatestPrice[]>;
  markets(q: { exchange?: string; after?: string; limit: number }): Promise<MarketInfo[]>;
  gaps(q: { exchange?: string; symbol?: string; openOnly: boolean; limit: number }): Promise<GapInfo[]>;
  deadLetters(q: { sinceMs: number }): Promise<DeadLetterCount[]>;
  streams(): Promise<StreamFreshness[]>;
}

export interface IndicatorPort {
  /** `result[s][b]` is spec `s` evaluated at bar `b` (bars oldest first, all closed). Throws AppError for bad params. */
  compute(bars: Bar[], specs: IndicatorSpec[]): IndicatorResult[][];
}

/** Stored alert rule: the input the agent sent plus server-side bookkeeping. */
export interface StoredRule<R = Record<string, unknown>> {
  id: string;
  owner: string;
  rule: R;
  status: 'active' | 'paused' | 'expired' | 'triggered';
  createdAt: number;
  updatedAt: number;
}

export interface RulesStorePort<R = Record<string, unknown>> {
  create(owner: string, rule: R): Promise<StoredRule<R>>;
  list(owner: string, q: { after?: string; limit: number; status?: StoredRule['status'] }): Promise<StoredRule<R>[]>;
  get(owner: string, id: string): Promise<StoredRule<R> | null>;
  update(owner: string, id: string, patch: { rule?: R; status?: StoredRule['status'] }): Promise<StoredRule<R> | null>;
  delete(owner: string, id: string): Promise<boolean>;
}

/** An event and its opaque position in the source's order (what get_events cursors carry). */
export interface StoredEvent { position: string; event: AlertsMessage }

/** Alert/signal events in arrival order. */
export interface EventsSourcePort {
  /** Events after `after` (from the oldest retained when null), oldest first. */
  since(q: { after: string | null; limit: number; kinds: AlertsMessage['kind'][]; symbols?: string[] }): Promise<StoredEvent[]>;
  /** Position of the newest stored event (null when empty): where a "from now on" cursor starts. */
  head(): Promise<string | null>;
  /** Whether `position` is a well-formed position of this source (cursors are client-supplied). */
  isPosition(position: string): boolean;
}

export interface BackfillQueuePort {
  /** Publishes to analytics-requests; idempotent on requestId. */
  enqueue(request: BackfillRequest): Promise<void>;
  status(requestId: string): Promise<BackfillProgress | null>;
}

export const ANALYTICS_QUERIES = ['returns', 'volatility', 'correlation', 'volume_profile', 'top_movers'] as const;
export type AnalyticsQueryName = (typeof ANALYTICS_QUERIES)[number];

export interface AnalyticsParams { exchange: string; symbols: string[]; timeframe: Timeframe; from: number; to: number; buckets: number; limit: number }
export type AnalyticsRow = Record<string, string | number | null>;

/** Named, parameterised analytical queries (ClickHouse in production). Never raw SQL. */
export interface AnalyticsPort {
  run(name: AnalyticsQueryName, params: AnalyticsParams): Promise<AnalyticsRow[]>;
}

export const SCOPES = ['read', 'alerts', 'backfill', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyRecord { id: string; name: string; scopes: Scope[]; hash: string; createdAt: number; revokedAt: number | null; lastUsedAt: number | null }

export interface KeyStorePort {
  byId(id: string): Promise<ApiKeyRecord | null>;
  insert(record: ApiKeyRecord): Promise<void>;
  list(): Promise<ApiKeyRecord[]>;
  revoke(id: string, at: number): Promise<boolean>;
}

export interface AuditEntry { at: number; keyId: string | null; tool: string; argsDigest: string; outcome: string; latencyMs: number }

export interface AuditLogPort {
  /** Writes the entries in their order as one statement: all land or none (the caller retries the whole batch). */
  recordBatch(entries: readonly AuditEntry[]): Promise<void>;
}

export interface RateLimiterPort {
  /** Takes one token for `key`; when refused, how long until one is available. */
  take(key: string): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }>;
}
