/**
 * The TCP side: length-prefixed frames, request headers, per-connection in-order responses, and the embedding API.
 * Bad input never takes the broker down: an oversized or malformed frame, an unknown API or an unsupported version
 * (other than ApiVersions, which answers UNSUPPORTED_VERSION as Kafka does) closes that connection with a logged reason.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { ProtocolError, Reader, type Writer } from './codec.ts';
import { API_VERSIONS_KEY, APIS, encodeApiVersions, ERR_UNSUPPORTED_VERSION } from './apis.ts';
import type { BrokerCore, RequestContext } from './core.ts';
import { GroupCoordinator } from './groups.ts';
import { loadTopics, OffsetStore } from './store.ts';
import { SyncBatcher } from './sync.ts';
import { TopicCatalog } from './topics-state.ts';
import { brokerStats, type BrokerStats } from './metrics.ts';

export interface BrokerOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Host put in Metadata/FindCoordinator; defaults to `host`, or 127.0.0.1 when listening on a wildcard address. */
  advertisedHost?: string;
  dataDir: string;
  /** Redpanda's default is false: producing to or asking Metadata for a missing topic does not create it. */
  autoCreateTopics?: boolean;
  log?: (msg: string) => void;
  /** Largest accepted request frame; bigger ones close the connection. Default 100 MiB. */
  maxFrameBytes?: number;
  /** Delay before the first rebalance of an empty group (Redpanda dev-container mode uses 0). */
  initialRebalanceDelayMs?: number;
  /** How often retention and compaction run on their own; 0 disables the timer (runCleaner still works). */
  cleanerIntervalMs?: number;
}

export interface CleanerReport { deletedSegments: number; compactedRecords: number }

export interface BrokerHandle {
  /** host:port as clients reach it (also what Metadata and FindCoordinator return). */
  address: string;
  port: number;
  /** Runs retention and compaction now (tests call this instead of waiting for the timer). */
  runCleaner(now?: number): CleanerReport;
  /** Log bytes and per-group consumer lag now (what the broker's metrics export). */
  stats(): BrokerStats;
  stop(): Promise<void>;
}

export async function startBroker(options: BrokerOptions): Promise<BrokerHandle> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((msg: string) => console.error(`[broker] ${msg}`));
  const maxFrame = options.maxFrameBytes ?? 100 * 1024 * 1024;
  mkdirSync(options.dataDir, { recursive: true });
  const stopListeners = new Set<() => void>();
  const advertised = options.advertisedHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
  const core: BrokerCore = {
    host: advertised,
    port: 0,
    catalog: new TopicCatalog(options.dataDir, loadTopics(options.dataDir), log),
    offsets: new OffsetStore(options.dataDir),
    groups: new GroupCoordinator({ initialRebalanceDelayMs: options.initialRebalanceDelayMs ?? 0, log }),
    syncer: new SyncBatcher(),
    autoCreateTopics: options.autoCreateTopics ?? false,
    log,
    stopped: false,
    onStop(fn) {
      stopListeners.add(fn);
      return () => stopListeners.delete(fn);
    },
  };
  const sockets = new Set<Socket>();
  /** (api, version) pairs already logged: each is logged once, to show which versions clients negotiated. */
  const versionsSeen = new Set<number>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(core, socket, maxFrame, versionsSeen);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  // After listening, accept errors (e.g. EMFILE) must not crash the process hosting the broker.
  server.on('error', (error) => log(`server error: ${error.message}`));
  const port = (server.address() as { port: number }).port;
  core.port = port;
  log(`listening on ${host}:${port}, data in ${options.dataDir}`);

  const runCleaner = (now = Date.now()): CleanerReport => {
    const report = { deletedSegments: 0, compactedRecords: 0 };
    for (const topic of core.catalog.topics.values()) {
      for (const p of topic.partitions) {
        try {
          if (p.config.compact) report.compactedRecords += p.compact();
          if (p.config.delete) report.deletedSegments += p.applyRetention(now);
        } catch (error) {
          log(`cleaner failed on ${p.dir}: ${(error as Error).message}`);
        }
      }
    }
    return report;
  };
  const interval = options.cleanerIntervalMs ?? 60_000;
  const cleaner = interval > 0 ? setInterval(() => runCleaner(), interval) : null;
  cleaner?.unref();

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => (stopping ??= (async () => {
    core.stopped = true;
    if (cleaner) clearInterval(cleaner);
    for (const fn of stopListeners) fn();
    core.groups.stop();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
    await core.syncer.sync([]);
    core.catalog.close();
    core.offsets.close();
    log('stopped');
  })());
  return { address: `${advertised}:${port}`, port, runCleaner, stats: () => brokerStats(core), stop };
}

interface Slot { done: boolean; chunks: Buffer[] | null }

function serveConnection(core: BrokerCore, socket: Socket, maxFrame: number, versionsSeen: Set<number>): void {
  socket.setNoDelay(true);
  const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  const queue: Slot[] = [];
  let chunks: Buffer[] = [];
  let buffered = 0;
  let closed = false;

  const close = (reason: string): void => {
    if (closed) return;
    closed = true;
    core.log(`closing connection from ${peer}: ${reason}`);
    socket.destroy();
  };
  const flush = (): void => {
    while (queue.length > 0 && (queue[0] as Slot).done) {
      const slot = queue.shift() as Slot;
      if (!slot.chunks || closed) continue;
      socket.cork();
      for (const c of slot.chunks) socket.write(c);
      process.nextTick(() => socket.uncork());
    }
  };
  const take = (n: number): Buffer => {
    const first = chunks[0] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) chunks.shift();
      else chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = chunks[0] as Buffer;
        const k = Math.min(c.length, n - filled);
        c.copy(out, filled, 0, k);
        filled += k;
        if (k === c.length) chunks.shift();
        else chunks[0] = c.subarray(k);
      }
    }
    buffered -= n;
    return out;
  };
  const peekSize = (): number => {
    const first = chunks[0] as Buffer;
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.concat(chunks.slice(0, 4)).subarray(0, 4);
    return head.readInt32BE(0);
  };

  socket.on('data', (data: Buffer) => {
    if (closed) return;
    chunks.push(data);
    buffered += data.length;
    while (buffered >= 4 && !closed) {
      const size = peekSize();
      if (size < 8 || size > maxFrame) {
        close(`frame size ${size} outside 8..${maxFrame} bytes`);
        chunks = [];
        return;
      }
      if (buffered < 4 + size) return;
      take(4);
      dispatch(take(size));
    }
  });
  socket.on('error', (error) => close(`socket error: ${error.message}`));
  socket.on('close', () => (closed = true));

  const dispatch = (frame: Buffer): void => {
    let apiKey = -1;
    let version = -1;
    let correlationId = 0;
    try {
      const head = new Reader(frame);
      apiKey = head.i16();
      version = head.i16();
      correlationId = head.i32();
      const spec = APIS.get(apiKey);
      if (!spec) return close(`unknown API key ${apiKey}`);
      if (version < spec.min || version > spec.max) {
        if (apiKey !== API_VERSIONS_KEY) return close(`unsupported ${spec.name} version ${version} (supported ${spec.min}-${spec.max})`);
        core.log(`${peer} asked for ApiVersions v${version}: answering UNSUPPORTED_VERSION`);
        respond(correlationId, false, encodeApiVersions(0, ERR_UNSUPPORTED_VERSION));
        return;
      }
      const flexible = version >= spec.flexibleFrom;
      const clientId = head.legacyNstr() ?? '';
      if (!versionsSeen.has(apiKey * 1000 + version)) {
        versionsSeen.add(apiKey * 1000 + version);
        core.log(`first ${spec.name} v${version}${flexible ? ' (flexible)' : ''} request, from client "${clientId}"`);
      }
      const r = new Reader(frame, flexible, head.pos);
      if (flexible) r.tags();
      const ctx: RequestContext = { core, apiKey, version, flexible, clientId, clientHost: `/${socket.remoteAddress ?? ''}` };
      // ApiVersions always answers with response header v0.
      const flexHeader = flexible && apiKey !== API_VERSIONS_KEY;
      const out = spec.handler(ctx, r);
      if (out instanceof Promise) {
        const slot: Slot = { done: false, chunks: null };
        queue.push(slot);
        out.then(
          (w) => finish(slot, correlationId, flexHeader, w),
          (error: unknown) => fail(apiKey, version, error),
        );
      } else if (out) respond(correlationId, flexHeader, out);
    } catch (error) {
      fail(apiKey, version, error);
    }
  };
  const fail = (apiKey: number, version: number, error: unknown): void => {
    const what = error instanceof ProtocolError ? 'malformed' : 'failed';
    close(`request ${APIS.get(apiKey)?.name ?? apiKey} v${version} ${what}: ${(error as Error).message}`);
  };
  const frameOf = (correlationId: number, flexHeader: boolean, w: Writer): Buffer[] => {
    const body = w.finish();
    const head = Buffer.allocUnsafe(flexHeader ? 9 : 8);
    head.writeInt32BE(body.size + head.length - 4, 0);
    head.writeInt32BE(correlationId, 4);
    if (flexHeader) head[8] = 0;
    return [head, ...body.chunks];
  };
  const respond = (correlationId: number, flexHeader: boolean, w: Writer): void => {
    queue.push({ done: true, chunks: frameOf(correlationId, flexHeader, w) });
    flush();
  };
  const finish = (slot: Slot, correlationId: number, flexHeader: boolean, w: Writer | null): void => {
    slot.done = true;
    slot.chunks = w ? frameOf(correlationId, flexHeader, w) : null;
    flush();
  };
}
