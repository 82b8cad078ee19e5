import { join } from 'node:path';
import WebSocket from 'ws';
import { TIMEFRAME_MS } from '../../schemas/common.ts';
import type { BackfillRequest } from '../../schemas/analytics-requests.ts';
import type { GapMetadata, MarketMetadataMessage } from '../../schemas/market-metadata.ts';
import type { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { redact } from '../../functions/lib/errors.ts';
import { platformMetrics, type PlatformMetrics } from '../../functions/lib/metrics/platform.ts';
import { FreshnessTracker } from '../../functions/lib/monitor/freshness.ts';
import { candleSubscription, createStreamerClient, type StreamerClient, type StreamerEvent, type WebSocketConstructor } from '../../functions/lib/cryptocompare/ws/index.ts';
import { LastSeen } from './last-seen.ts';
import { Spool } from './spool.ts';

export interface IngestWorkerOptions {
  wsUrl: string;
  apiKey?: string;
  source: OhlcvMessage['source'];
  exchange: string;
  symbols: readonly string[];
  /** The ingest pipeline's http_server endpoint (connect/ingest.yaml). */
  ingestUrl: string;
  /** Spool and last-seen state live under `${dataDir}/ingest`. */
  dataDir: string;
  batchCount?: number;
  batchPeriodMs?: number;
  /** Largest gap (ms) turned into one backfill request; longer outages are capped to their newest part. */
  maxBackfillMs?: number;
  log?: (line: string) => void;
  now?: () => number;
  /** The process's platform metrics (messages, reconnects, errors, stream freshness); default: a private set. */
  metrics?: PlatformMetrics;
  /** Simulated ms per wall ms of the source (an accelerated simulator): a stream's expected cadence is its timeframe / speed. */
  sourceSpeed?: number;
}

export interface IngestStats {
  candles: number;
  gaps: number;
  batchesAcked: number;
  postFailures: number;
  pendingBatches: number;
}

export interface IngestWorker {
  stats(): IngestStats;
  /** Newest message per series stream and its expected wall-clock cadence (the monitor's `streams`); refreshes stream_freshness_seconds. */
  freshness(now: number): { stream: string; lastMessageAt: number; cadenceMs: number }[];
  /** Stops the WebSocket, flushes what it received and waits until every spooled batch is acknowledged (or `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
}

type Element = OhlcvMessage | MarketMetadataMessage | BackfillRequest;

/** Deterministic id: the same gap always asks for the same backfill (replays are harmless downstream). */
function backfillFor(gap: GapMetadata, now: number, maxMs: number): BackfillRequest {
  const from = Math.max(gap.from, gap.to - maxMs);
  return {
    kind: 'backfill', requestId: `gap:${gap.exchange}:${gap.symbol}:${gap.timeframe}:${gap.from}-${gap.to}`, exchange: gap.exchange, symbols: [gap.symbol],
    timeframe: gap.timeframe, from, to: gap.to, reason: 'gap', requestedBy: 'ingest-worker', requestedAt: now,
  };
}

function seriesOf(c: Pick<OhlcvMessage, 'exchange' | 'symbol' | 'timeframe'>): string {
  return `${c.exchange}:${c.symbol}:${c.timeframe}`;
}

/**
 * The long-lived ingestion worker: WebSocket v2 candles (closed and revised; forming updates are left to the REST poll)
 * batched by count/period and POSTed to the ingest pipeline until it answers 2xx, with a durable spool in between;
 * gap reports forwarded and turned into backfill requests; the last acknowledged candle per series persisted, so a
 * restart reports (and backfills) the span it missed.
 */
export async function startIngestWorker(o: IngestWorkerOptions): Promise<IngestWorker> {
  const log = o.log ?? ((l: string) => console.error(l));
  const now = o.now ?? Date.now;
  const batchCount = o.batchCount ?? 500;
  const batchPeriodMs = o.batchPeriodMs ?? 200;
  const maxBackfillMs = o.maxBackfillMs ?? 24 * 3_600_000;
  const spool = await Spool.open(join(o.dataDir, 'ingest', 'spool'));
  const lastSeen = await LastSeen.open(join(o.dataDir, 'ingest', 'last-seen.json'));
  const stats: IngestStats = { candles: 0, gaps: 0, batchesAcked: 0, postFailures: 0, pendingBatches: 0 };
  const stopping = new AbortController();
  const metrics = o.metrics ?? platformMetrics();
  const freshness = new FreshnessTracker(metrics);
  const speed = o.sourceSpeed !== undefined && o.sourceSpeed > 0 ? o.sourceSpeed : 1;

  // Sender: one batch in flight at a time, oldest first, retried with capped exponential backoff until acknowledged.
  const queue: Array<{ id: string; batch: Element[] }> = (await spool.pending()).map((p) => ({ id: p.id, batch: p.batch as Element[] }));
  stats.pendingBatches = queue.length;
  let wake: (() => void) | undefined;
  let giveUpAt = Infinity;
  const sender = (async () => {
    for (;;) {
      const next = queue[0];
      if (next === undefined) {
        if (stopping.signal.aborted) return;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      for (let wait = 100; ; wait = Math.min(10_000, wait * 2)) {
        try {
          const res = await fetch(o.ingestUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(next.batch) });
          await res.arrayBuffer();
          if (res.ok) break;
          metrics.errors.inc({ component: 'ingest-post', code: String(res.status) });
          throw new Error(`HTTP ${res.status}`);
        } catch (error) {
          if (!/^HTTP \d+$/.test((error as Error).message)) metrics.errors.inc({ component: 'ingest-post', code: 'NETWORK' });
          stats.postFailures += 1;
          if (now() >= giveUpAt) return;
          log(`ingest: batch ${next.id} not acknowledged (${redact((error as Error).message)}); retrying in ${wait} ms`);
          await new Promise((r) => setTimeout(r, wait));
        }
      }
      await spool.remove(next.id);
      await lastSeen.advance(next.batch.filter((e): e is OhlcvMessage => !('kind' in e)).map((c) => ({ series: seriesOf(c), timestamp: c.timestamp })));
      queue.shift();
      stats.batchesAcked += 1;
      stats.pendingBatches = queue.length;
    }
  })();

  // Batcher: count or period, whichever first.
  let buffer: Element[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let flushing = Promise.resolve();
  const flush = (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (buffer.length === 0) return flushing;
    const batch = buffer;
    buffer = [];
    flushing = flushing.then(async () => {
      const id = await spool.put(batch);
      queue.push({ id, batch });
      stats.pendingBatches = queue.length;
      wake?.();
    });
    return flushing;
  };
  const add = (e: Element): void => {
    buffer.push(e);
    if (buffer.length >= batchCount) void flush();
    else timer ??= setTimeout(() => void flush(), batchPeriodMs);
  };

  // A restart reports the span between the last acknowledged candle of a series and the first one received now
  // (the source's own clock decides where the gap ends, so this holds for the live API and the simulator alike).
  const resumeAfter = new Map(lastSeen.entries());
  const reportRestartGap = (c: OhlcvMessage): void => {
    const series = seriesOf(c);
    const last = resumeAfter.get(series);
    if (last === undefined) return;
    resumeAfter.delete(series);
    const step = TIMEFRAME_MS[c.timeframe];
    if (c.timestamp <= last + step) return;
    const gap: GapMetadata = { kind: 'gap', exchange: c.exchange, symbol: c.symbol, timeframe: c.timeframe, from: last + step, to: c.timestamp - step, reason: 'reconnect', detectedAt: now() };
    stats.gaps += 1;
    add(gap);
    add(backfillFor(gap, now(), maxBackfillMs));
  };

  const onEvent = (event: StreamerEvent): void => {
    switch (event.type) {
      case 'candle':
        metrics.ingestMessages.inc({ stream: 'ws', type: 'candle' });
        freshness.record(seriesOf(event.candle), event.candle.receivedAt, TIMEFRAME_MS[event.candle.timeframe] / speed);
        if (event.candle.state === 'forming') return;
        reportRestartGap(event.candle);
        stats.candles += 1;
        add(event.candle);
        return;
      case 'gap':
        metrics.ingestMessages.inc({ stream: 'ws', type: 'gap' });
        stats.gaps += 1;
        add(event.gap);
        add(backfillFor(event.gap, now(), maxBackfillMs));
        return;
      case 'status':
        if (event.state === 'reconnecting') metrics.streamReconnects.inc({ stream: 'ws' });
        add({
          kind: 'stream_status', stream: `websocket:${o.exchange}`, status: event.state === 'connecting' ? 'reconnecting' : event.state,
          lastMessageAt: event.lastMessageAt, reconnects: event.reconnects, at: event.at,
        });
        return;
      case 'error':
        metrics.errors.inc({ component: 'ingest-ws', code: event.error.code });
        log(`ingest: streamer error: ${redact(event.error.message)}`);
        return;
      default:
        return;
    }
  };
  const client: StreamerClient = createStreamerClient({
    url: o.wsUrl, ...(o.apiKey ? { apiKey: o.apiKey } : {}), source: o.source,
    WebSocket: WebSocket as unknown as WebSocketConstructor, onEvent,
  });
  client.subscribe(o.symbols.map((s) => candleSubscription(o.exchange, s, 'm')));

  return {
    stats: () => ({ ...stats }),
    freshness: (at) => freshness.streams(at),
    async stop(timeoutMs = 30_000) {
      await client.stop();
      await flush();
      giveUpAt = now() + timeoutMs;
      stopping.abort();
      wake?.();
      await sender;
    },
  };
}
