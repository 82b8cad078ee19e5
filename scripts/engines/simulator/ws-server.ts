import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { redact } from '../../../functions/lib/errors.ts';
import type { SimulatorContext } from './context.ts';
import { forceDisconnect, heartbeat, openingTooFast, tooManySockets, unauthorized, welcomeFrame, type OpeningLimits } from './ws-frames.ts';
import { Session } from './ws-session.ts';

/**
 * The simulator's CryptoCompare streamer v2 (`ws://HOST:PORT/v2`): welcome, SubAdd/SubRemove, heartbeats, socket caps,
 * channels 0/2/5/24 driven by ctx.market at ctx.clock, and the WebSocket faults of ctx.faults (read on every tick, so
 * they can be flipped at runtime).
 */

export interface StreamerSettings {
  /** Wall-clock ms between heartbeats (CryptoCompare: 30 s). */
  heartbeatMs: number;
  /** Wall-clock ms between data ticks. */
  tickMs: number;
  /** Sockets one client (API key, or address without a key) may hold: free keys got 1. */
  maxSocketsPerClient: number;
  maxSubscriptionsPerSocket: number;
  /** Socket openings per client per window; exceeding second or minute answers 429 RATE_LIMIT_OPENING_SOCKETS_TOO_FAST. */
  openingLimits: OpeningLimits;
  serverName: string;
  /** Seed of the fault dice. */
  seed: number;
}

export const DEFAULT_STREAMER_SETTINGS: Readonly<StreamerSettings> = {
  heartbeatMs: 30_000,
  tickMs: 100,
  maxSocketsPerClient: 10,
  maxSubscriptionsPerSocket: 600,
  openingLimits: { second: 30, minute: 60, hour: 1200, day: 10_000, month: 20_000 },
  serverName: 'ccc-streamer-sim',
  seed: 1,
};

export interface StreamerHandle {
  close(): Promise<void>;
  /** Changes settings at runtime (tests shorten the heartbeat or cap sockets). */
  configure(settings: Partial<StreamerSettings>): void;
  /** Sends 500 FORCE_DISCONNECT to every socket and closes them, as the real server does after slow pongs. */
  forceDisconnect(info?: string): void;
  /** Open sockets and what each is subscribed to. */
  sockets(): Array<{ socketId: string; clientKey: string; subscriptions: string[] }>;
}

const registry = new WeakMap<SimulatorContext, StreamerHandle>();

/** The streamer attached for a simulator context (startSimulator returns the context). */
export function streamerFor(ctx: SimulatorContext): StreamerHandle | undefined {
  return registry.get(ctx);
}

const WINDOW_MS: Readonly<Record<keyof OpeningLimits, number>> = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000, month: 30 * 86_400_000 };
const CLOSE_WAIT_MS = 500;

/** mulberry32: small, seedable, good enough for fault dice. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The key a connection carries: the Authorization header wins over `api_key`, as on REST. */
function apiKeyOf(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  const m = auth === undefined ? null : /^Apikey\s+(\S+)$/i.exec(auth);
  return m?.[1] ?? url.searchParams.get('api_key');
}

export function attachStreamer(server: Server, ctx: SimulatorContext, initial: Partial<StreamerSettings> = {}): StreamerHandle {
  const settings: StreamerSettings = { ...DEFAULT_STREAMER_SETTINGS, ...initial };
  const random = seededRandom(settings.seed);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const startedAt = Date.now();
  const sessions = new Set<Session>();
  const openings = new Map<string, number[]>();
  const clientIds = new Map<string, number>();
  let dropArmedAt: number | null = null;
  let closed = false;

  const socketsOf = (clientKey: string): number => [...sessions].filter((s) => s.clientKey === clientKey).length;

  function openingsIn(clientKey: string, wall: number): OpeningLimits {
    const log = (openings.get(clientKey) ?? []).filter((t) => wall - t < WINDOW_MS.month);
    openings.set(clientKey, log);
    const count = (w: keyof OpeningLimits): number => log.filter((t) => wall - t < WINDOW_MS[w]).length;
    return { second: count('second'), minute: count('minute'), hour: count('hour'), day: count('day'), month: count('month') };
  }

  function reject(ws: WebSocket, frame: Record<string, unknown>, why: string): void {
    ctx.log(`ws: refused a socket (${why})`);
    if (!ctx.faults.stall) ws.send(JSON.stringify(frame));
    ws.close(1000, why.slice(0, 100));
  }

  function accept(ws: WebSocket, req: IncomingMessage, url: URL): void {
    const key = apiKeyOf(req, url);
    if (ctx.apiKeys !== null && (key === null || !ctx.apiKeys.has(key))) return reject(ws, unauthorized(), 'unauthorized');
    const clientKey = key ?? `ip:${req.socket.remoteAddress ?? 'unknown'}`;
    const wall = Date.now();
    openings.set(clientKey, [...(openings.get(clientKey) ?? []), wall]);
    const used = openingsIn(clientKey, wall);
    const limits = settings.openingLimits;
    if (used.second > limits.second || used.minute > limits.minute || used.hour > limits.hour || used.day > limits.day || used.month > limits.month) {
      return reject(ws, openingTooFast(limits), 'opening sockets too fast');
    }
    const active = socketsOf(clientKey);
    if (active >= settings.maxSocketsPerClient) return reject(ws, tooManySockets(settings.maxSocketsPerClient), 'too many sockets');

    const socketId = randomBytes(15).toString('base64');
    const session = new Session(ws, clientKey, socketId, { ctx, random, maxSubscriptionsPerSocket: () => settings.maxSubscriptionsPerSocket }, wall);
    sessions.add(session);
    if (!clientIds.has(clientKey)) clientIds.set(clientKey, clientIds.size + 1);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) session.receive(data.toString());
    });
    ws.on('close', () => sessions.delete(session));
    ws.on('error', (error) => ctx.log(`ws: socket error: ${redact(error.message)}`));
    session.send(welcomeFrame({
      uptimeSeconds: Math.floor((wall - startedAt) / 1000),
      serverName: settings.serverName,
      serverTimeMs: ctx.clock.now(),
      clientId: clientIds.get(clientKey) ?? 0,
      socketId,
      socketsActive: active + 1,
      socketsRemaining: Math.max(0, settings.maxSocketsPerClient - active - 1),
      max: limits,
      remaining: {
        second: limits.second - used.second,
        minute: limits.minute - used.minute,
        hour: limits.hour - used.hour,
        day: limits.day - used.day,
        month: limits.month - used.month,
      },
    }));
    ctx.log(`ws: socket ${socketId} opened by ${redact(key === null ? clientKey : `api_key=${key}`)}`);
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://simulator');
    if (closed || url.pathname.replace(/\/+$/, '') !== '/v2') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req, url));
  }

  function tick(): void {
    const wall = Date.now();
    const { faults } = ctx;
    if (faults.dropSocketEveryMs > 0) {
      dropArmedAt ??= wall;
      if (wall - dropArmedAt >= faults.dropSocketEveryMs) {
        dropArmedAt = wall;
        for (const s of sessions) s.ws.terminate();
      }
    } else {
      dropArmedAt = null;
    }
    if (faults.stall) return;
    const now = ctx.clock.now();
    for (const s of sessions) {
      if (s.ws.readyState !== s.ws.OPEN) continue;
      s.tick(now);
      if (wall - s.lastHeartbeatAt >= settings.heartbeatMs) {
        s.lastHeartbeatAt = wall;
        s.send(heartbeat(now));
      }
    }
  }

  let timer = setInterval(tick, settings.tickMs);
  server.on('upgrade', onUpgrade);

  const handle: StreamerHandle = {
    configure(next) {
      const tickChanged = next.tickMs !== undefined && next.tickMs !== settings.tickMs;
      Object.assign(settings, next);
      if (tickChanged && !closed) {
        clearInterval(timer);
        timer = setInterval(tick, settings.tickMs);
      }
    },
    forceDisconnect(info = 'You had two slow (over 10 seconds) pong responses in a row. Please reconnect.') {
      for (const s of sessions) {
        s.send(forceDisconnect(info));
        s.ws.close(1000, 'FORCE_DISCONNECT');
      }
    },
    sockets() {
      return [...sessions].map((s) => ({ socketId: s.socketId, clientKey: s.clientKey.startsWith('ip:') ? s.clientKey : redact(`api_key=${s.clientKey}`), subscriptions: s.subscriptions() }));
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      server.off('upgrade', onUpgrade);
      const open = [...sessions].map((s) => new Promise<void>((resolve) => {
        s.ws.once('close', () => resolve());
        s.ws.close(1001, 'server shutting down');
      }));
      await Promise.race([Promise.all(open), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS))]);
      for (const s of sessions) s.ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      registry.delete(ctx);
    },
  };
  registry.set(ctx, handle);
  return handle;
}
