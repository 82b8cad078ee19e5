import type {
  AnalyticsPort, AuditLogPort, BackfillQueuePort, EventsSourcePort, IndicatorPort, KeyStorePort, MarketReadPort, RateLimiterPort, RulesStorePort,
} from './ports.ts';
import type { AlertRuleInput } from './tools/alert-rule-input.ts';

export interface McpConfig {
  /** Host header values accepted (403 otherwise); undefined accepts any host (production sits behind a proxy that checks). */
  allowedHosts?: string[];
  /** Origin hostnames accepted when an Origin header is present (403 otherwise). */
  allowedOrigins?: string[];
  /** Request bodies above this many bytes are refused with 413. */
  maxBodyBytes: number;
  /** Poll interval of the snapshot publisher that feeds `subscriptions/listen` (0 disables it). */
  snapshotPollMs: number;
  /** Symbols whose `market://SYMBOL/snapshot` resources are listed and watched. */
  snapshotSymbols: string[];
  defaultExchange: string;
  /** Interval at which get_events re-checks the store while long-polling. */
  eventsPollMs: number;
  /**
   * How long a verified API key is trusted without asking the key store again (0 disables the cache). A key revoked
   * from another process or instance keeps working here for up to this long; a revocation made in this process
   * (`npm run keys -- revoke` code path, forgetApiKey) applies at once.
   */
  keyCacheMs: number;
  /**
   * A tool result listing more items than this carries only its summary and cursor in its text block, for clients
   * whose protocol has structuredContent (2025-06-18 on); the items are in structuredContent. Older clients always get
   * the full JSON as text.
   */
  textMaxItems: number;
  /** Longest an audit record waits in memory before its batch is written (records are written after the answer). */
  auditFlushMs: number;
  /** Audit records written per statement; a full batch is written at once. */
  auditBatchSize: number;
  /** Unwritten audit records at which tool calls are refused (503 AUDIT_BACKLOG) until the audit store catches up. */
  auditMaxBacklog: number;
}

export interface McpDeps {
  read: MarketReadPort;
  indicators: IndicatorPort;
  rules: RulesStorePort<AlertRuleInput>;
  events: EventsSourcePort;
  backfill: BackfillQueuePort;
  analytics: AnalyticsPort;
  keys: KeyStorePort;
  audit: AuditLogPort;
  rateLimiter: RateLimiterPort;
  config: McpConfig;
  now: () => number;
  /** Where unexpected errors go (stderr, tracing); never to the client. */
  onInternalError: (error: unknown) => void;
}

export const DEFAULT_CONFIG: McpConfig = {
  allowedHosts: ['127.0.0.1', 'localhost'],
  allowedOrigins: ['127.0.0.1', 'localhost'],
  maxBodyBytes: 256 * 1024,
  snapshotPollMs: 1000,
  snapshotSymbols: ['BTC-USD', 'ETH-USD', 'SOL-USD'],
  defaultExchange: 'cccagg',
  eventsPollMs: 250,
  keyCacheMs: 5_000,
  textMaxItems: 50,
  auditFlushMs: 250,
  auditBatchSize: 200,
  auditMaxBacklog: 10_000,
};
