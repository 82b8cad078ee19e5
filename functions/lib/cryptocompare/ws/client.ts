import { reconnectDelayMs } from './backoff.ts';
import { CandleTracker } from './candles.ts';
import { StreamerError, type StreamerErrorCode, type StreamerEvent, type SubscriptionState } from './events.ts';
import { OPENING_TOO_FAST, parseSubscription, stringField, TOO_MANY_SOCKETS, TOO_MANY_SUBSCRIPTIONS } from './protocol.ts';
import { TickerMerger } from './tickers.ts';
import { TradeDeduper } from './trades.ts';

/** The part of the WHATWG WebSocket this client uses; the global one (Deno, browsers, workerd, Node 22) and `ws` both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

type TimerHandle = unknown;

export interface StreamerClientOptions {
  /** Streamer URL, e.g. `wss://streamer.cryptocompare.com/v2`; the key is added as `api_key` (works on every runtime). */
  url: string;
  apiKey?: string;
  /** Defaults to the global `WebSocket`; Node 20 passes `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** Silence (no frame at all) after which a socket is declared dead. CryptoCompare heartbeats every 30 s. */
  heartbeatTimeoutMs?: number;
  minReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  random?: () => number;
  /** Wall-clock epoch ms: stamps receivedAt / detectedAt and drives the watchdog, so never a simulated clock. */
  now?: () => number;
  setTimeout?: (fn: () => void, ms: number) => TimerHandle;
  clearTimeout?: (handle: TimerHandle) => void;
  /** `source` stamped on candles: 'simulator' when the URL points at our simulator. */
  source?: 'cryptocompare' | 'simulator';
  onEvent: (event: StreamerEvent) => void;
}

export interface StreamerClient {
  subscribe(subs: readonly string[]): void;
  unsubscribe(subs: readonly string[]): void;
  /** Every subscription the client knows about and its last acknowledged state. */
  subscriptions(): ReadonlyMap<string, SubscriptionState>;
  /** Reconnects so far (not counting the first connect). */
  readonly reconnects: number;
  /** Closes the socket, cancels timers; no further events after the 'stopped' status. */
  stop(): Promise<void>;
}

const OPEN = 1;
const STOP_WAIT_MS = 2000;

export function createStreamerClient(options: StreamerClientOptions): StreamerClient {
  return new Connection(options);
}

function frameText(data: unknown): string | null {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data);
  return null;
}

class Connection implements StreamerClient {
  private readonly ctor: WebSocketConstructor;
  private readonly heartbeatTimeoutMs: number;
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => TimerHandle;
  private readonly clearTimer: (handle: TimerHandle) => void;
  private readonly subs = new Map<string, SubscriptionState>();
  /** Lower-cased subscription -> as the caller spelled it, so frames match whatever case the server echoes. */
  private readonly spelling = new Map<string, string>();
  private readonly trackers = new Map<string, CandleTracker>();
  private readonly tickers = new TickerMerger();
  private readonly trades = new TradeDeduper();
  private ws: WebSocketLike | null = null;
  private stopped = false;
  private attempt = 0;
  private reconnectCount = 0;
  private lastMessageAt: number | null = null;
  private socketSilentSince = 0;
  private watchdog: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private stopping: Promise<void> | null = null;

  constructor(private readonly options: StreamerClientOptions) {
    const ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (ctor === undefined) throw new StreamerError('CC_WS_SOCKET_ERROR', 'No WebSocket constructor: pass options.WebSocket (e.g. the `ws` package on Node 20)', { fatal: true });
    this.ctor = ctor;
    if (!URL.canParse(options.url)) throw new StreamerError('CC_WS_SOCKET_ERROR', `"${options.url.slice(0, 100)}" is not a URL: pass the streamer URL, e.g. wss://streamer.cryptocompare.com/v2`, { fatal: true });
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 75_000;
    this.minDelay = options.minReconnectDelayMs ?? 5_000;
    this.maxDelay = Math.max(this.minDelay, options.maxReconnectDelayMs ?? 60_000);
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.clearTimer = options.clearTimeout ?? ((h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>));
    this.connect();
  }

  get reconnects(): number {
    return this.reconnectCount;
  }

  subscriptions(): ReadonlyMap<string, SubscriptionState> {
    return new Map(this.subs);
  }

  subscribe(subs: readonly string[]): void {
    const fresh: string[] = [];
    for (const sub of subs) {
      const parsed = parseSubscription(sub);
      if (parsed === null) {
        this.emitSubscription(sub, 'invalid', 'not a TYPE~MARKET~BASE~QUOTE[~m|H|D] subscription for channel 0, 2, 5 or 24');
        continue;
      }
      const state = this.subs.get(sub);
      if (state === 'pending' || state === 'active') continue;
      this.subs.set(sub, 'pending');
      this.spelling.set(sub.toLowerCase(), sub);
      if (parsed.unit !== undefined) this.trackers.set(sub, new CandleTracker(parsed.unit, { source: this.options.source ?? 'cryptocompare', now: this.now }));
      fresh.push(sub);
    }
    if (fresh.length > 0 && this.ws?.readyState === OPEN) this.send({ action: 'SubAdd', subs: fresh });
  }

  unsubscribe(subs: readonly string[]): void {
    const known = subs.filter((sub) => this.subs.has(sub));
    for (const sub of known) {
      this.subs.delete(sub);
      this.spelling.delete(sub.toLowerCase());
      this.trackers.delete(sub);
      const parsed = parseSubscription(sub);
      if (parsed !== null && parsed.type !== '0' && parsed.type !== '24') this.tickers.forget(parsed.type, parsed.market, parsed.base, parsed.quote);
    }
    if (known.length === 0) return;
    if (this.ws?.readyState === OPEN) this.send({ action: 'SubRemove', subs: known });
    else for (const sub of known) this.emitSubscription(sub, 'removed');
  }

  stop(): Promise<void> {
    if (this.stopping !== null) return this.stopping;
    this.stopped = true;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    this.stopping = new Promise<void>((resolve) => {
      const done = (): void => {
        this.emitStatus('stopped', 'stop() called');
        resolve();
      };
      if (ws === null || ws.readyState > OPEN) return done();
      const fallback = this.setTimer(done, STOP_WAIT_MS);
      ws.onmessage = null;
      // Keep a no-op error handler: `ws` throws on an 'error' event nobody listens to.
      ws.onerror = () => undefined;
      ws.onclose = () => {
        this.clearTimer(fallback);
        done();
      };
      ws.close(1000, 'client stop');
    });
    return this.stopping;
  }

  private connect(): void {
    if (this.stopped) return;
    this.emitStatus('connecting');
    const url = new URL(this.options.url);
    if (this.options.apiKey !== undefined) url.searchParams.set('api_key', this.options.apiKey);
    let ws: WebSocketLike;
    try {
      ws = new this.ctor(url.toString());
    } catch (error) {
      this.emitError('CC_WS_SOCKET_ERROR', `Could not open a WebSocket to ${this.options.url}: ${(error as Error).message}`);
      this.lost('socket constructor failed');
      return;
    }
    this.ws = ws;
    this.socketSilentSince = this.now();
    ws.onopen = () => {
      const resend = [...this.subs].filter(([, state]) => state === 'pending' || state === 'active').map(([sub]) => sub);
      for (const sub of resend) this.subs.set(sub, 'pending');
      if (resend.length > 0) this.send({ action: 'SubAdd', subs: resend });
    };
    ws.onmessage = (event: { data: unknown }) => {
      if (this.ws === ws) this.receive(event.data);
    };
    ws.onclose = (event: { code: number; reason?: string }) => {
      if (this.ws === ws) this.lost(`socket closed (code ${event.code}${event.reason ? `: ${event.reason}` : ''})`);
    };
    // A close event always follows an error event; the reason is reported there.
    ws.onerror = () => undefined;
    this.armWatchdog();
  }

  /** The socket is gone (closed, dead or told to go): forget it, mark what must be re-sent, schedule a reconnect. */
  private lost(reason: string, delayMs?: number): void {
    const ws = this.ws;
    this.ws = null;
    if (ws !== null) {
      ws.onopen = null;
      ws.onmessage = null;
      ws.onclose = null;
      try {
        if (ws.readyState <= OPEN) ws.close(1000, 'reconnecting');
      } catch {
        // Already closing: nothing to release.
      }
    }
    this.clearTimers();
    for (const tracker of this.trackers.values()) tracker.suspend();
    for (const [sub, state] of this.subs) if (state === 'active') this.subs.set(sub, 'pending');
    if (this.stopped) return;
    const delay = delayMs ?? reconnectDelayMs(this.attempt, this.minDelay, this.maxDelay, this.random);
    this.attempt += 1;
    this.reconnectCount += 1;
    this.emitStatus('reconnecting', reason, delay);
    this.reconnectTimer = this.setTimer(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  private armWatchdog(): void {
    if (this.watchdog !== undefined) this.clearTimer(this.watchdog);
    const silentFor = this.now() - this.socketSilentSince;
    const remaining = this.heartbeatTimeoutMs - silentFor;
    if (remaining <= 0) {
      this.watchdog = undefined;
      this.emitStatus('stale', `no frame for ${silentFor} ms`);
      this.emitError('CC_WS_STALE', `No frame (not even a heartbeat) for ${silentFor} ms; reconnecting`);
      this.lost('heartbeat watchdog');
      return;
    }
    this.watchdog = this.setTimer(() => this.armWatchdog(), remaining);
  }

  private clearTimers(): void {
    if (this.watchdog !== undefined) this.clearTimer(this.watchdog);
    if (this.reconnectTimer !== undefined) this.clearTimer(this.reconnectTimer);
    this.watchdog = undefined;
    this.reconnectTimer = undefined;
  }

  private send(message: { action: 'SubAdd' | 'SubRemove'; subs: string[] }): void {
    try {
      this.ws?.send(JSON.stringify(message));
    } catch (error) {
      this.emitError('CC_WS_SOCKET_ERROR', `Could not send ${message.action}: ${(error as Error).message}`);
    }
  }

  private receive(data: unknown): void {
    const at = this.now();
    this.lastMessageAt = at;
    this.socketSilentSince = at;
    const text = frameText(data);
    let frame: unknown;
    try {
      if (text === null) throw new Error('binary frame');
      frame = JSON.parse(text);
    } catch {
      this.emitError('CC_WS_MALFORMED_FRAME', 'Ignored a frame that is not JSON', { sample: (text ?? '').slice(0, 120) });
      return;
    }
    if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) {
      this.emitError('CC_WS_MALFORMED_FRAME', 'Ignored a frame that is not a JSON object', { sample: (text ?? '').slice(0, 120) });
      return;
    }
    const f = frame as Record<string, unknown>;
    // CryptoCompare sends the odd empty `{}` frame; it means nothing.
    if (Object.keys(f).length === 0) return;
    this.dispatch(f);
  }

  private dispatch(f: Record<string, unknown>): void {
    const type = stringField(f.TYPE);
    switch (type) {
      case '20':
        this.attempt = 0;
        this.emitStatus('connected');
        this.options.onEvent({ type: 'control', message: 'STREAMERWELCOME', frame: f });
        return;
      case '16':
        return this.acknowledge(f, 'active');
      case '17':
        return this.acknowledge(f, 'removed');
      case '3':
        return this.options.onEvent({ type: 'control', message: 'LOADCOMPLETE', frame: f });
      case '18':
        return this.options.onEvent({ type: 'control', message: 'UNSUBSCRIBEALLCOMPLETE', frame: f });
      case '999':
        return this.options.onEvent({ type: 'control', message: 'HEARTBEAT', frame: f });
      case '401':
        return this.unauthorized(f);
      case '429':
        return this.tooMany(f);
      case '500':
        return this.serverError(f);
      case '24':
        return this.candle(f);
      case '5':
      case '2':
        return this.ticker(f, type);
      case '0':
        return this.trade(f);
      default:
        // Channels this client does not subscribe to (8, 9, 11, 21, 30...) carry nothing it can use.
        return;
    }
  }

  private ownSub(sub: string | undefined): string | undefined {
    return sub === undefined ? undefined : this.spelling.get(sub.toLowerCase());
  }

  private acknowledge(f: Record<string, unknown>, state: 'active' | 'removed', info?: string): void {
    const raw = stringField(f.SUB) ?? stringField(f.PARAMETER);
    if (raw === undefined) return;
    const sub = this.ownSub(raw);
    if (state === 'active') {
      if (sub === undefined) return;
      this.subs.set(sub, 'active');
      this.emitSubscription(sub, 'active', info);
    } else {
      this.emitSubscription(sub ?? raw, 'removed', info);
    }
  }

  private unauthorized(f: Record<string, unknown>): void {
    const info = stringField(f.INFO) ?? 'key missing, invalid or without access';
    this.emitError('CC_WS_UNAUTHORIZED', `The streamer refused the API key (401 ${stringField(f.MESSAGE) ?? 'UNAUTHORIZED'}: ${info}). Set a valid key; the client has stopped.`, undefined, { fatal: true, status: 401 });
    void this.stop();
  }

  private tooMany(f: Record<string, unknown>): void {
    const message = stringField(f.MESSAGE) ?? '';
    const info = stringField(f.INFO);
    if (TOO_MANY_SUBSCRIPTIONS.test(message)) {
      const sub = this.ownSub(stringField(f.PARAMETER));
      if (sub !== undefined) {
        this.subs.set(sub, 'rejected');
        this.emitSubscription(sub, 'rejected', message);
      }
      this.emitError('CC_WS_TOO_MANY_SUBSCRIPTIONS', `${message}: unsubscribe something or use another socket`, { parameter: stringField(f.PARAMETER) ?? null }, { status: 429 });
      return;
    }
    if (message === OPENING_TOO_FAST) {
      this.emitError('CC_WS_OPENING_TOO_FAST', `${message}${info ? ` (${info})` : ''}: waiting ${this.maxDelay} ms before reconnecting`, undefined, { status: 429 });
      this.lost(message, this.maxDelay);
      return;
    }
    const max = TOO_MANY_SOCKETS.exec(message)?.[1];
    this.emitError('CC_WS_TOO_MANY_SOCKETS', `${message || '429'}: another socket uses this key${max ? ` (at most ${max})` : ''}; close it or share one socket. Retrying with backoff`, undefined, { status: 429 });
    this.lost(message || '429');
  }

  private serverError(f: Record<string, unknown>): void {
    const message = stringField(f.MESSAGE) ?? '';
    const parameter = stringField(f.PARAMETER);
    const info = stringField(f.INFO);
    const sub = this.ownSub(parameter);
    switch (message) {
      case 'FORCE_DISCONNECT':
        this.emitError('CC_WS_FORCE_DISCONNECT', `Server forced a disconnect${info ? ` (${info})` : ''}; reconnecting`);
        this.lost('FORCE_DISCONNECT');
        return;
      case 'SUBSCRIPTION_ALREADY_ACTIVE':
        if (sub !== undefined) this.acknowledge(f, 'active', message);
        return;
      case 'SUBSCRIPTION_UNRECOGNIZED':
        this.acknowledge(f, 'removed', message);
        return;
      default:
        if (sub !== undefined) {
          this.subs.set(sub, 'invalid');
          this.trackers.delete(sub);
          this.emitSubscription(sub, 'invalid', info ?? message);
          this.emitError('CC_WS_INVALID_SUB', `Subscription ${sub} refused (500 ${message}${info ? `: ${info}` : ''}); other subscriptions continue`, { sub });
          return;
        }
        this.emitError('CC_WS_REJECTED_REQUEST', `Server refused a request (500 ${message}${info ? `: ${info}` : ''})`, { parameter: parameter ?? null });
    }
  }

  private candle(f: Record<string, unknown>): void {
    const sub = this.ownSub(`24~${stringField(f.MARKET)}~${stringField(f.FROMSYMBOL)}~${stringField(f.TOSYMBOL)}~${stringField(f.UNIT)}`);
    const tracker = sub === undefined ? undefined : this.trackers.get(sub);
    if (sub === undefined || tracker === undefined) return;
    for (const out of tracker.handle(f)) {
      if (out.kind === 'candle') this.options.onEvent({ type: 'candle', sub, candle: out.candle });
      else if (out.kind === 'gap') this.options.onEvent({ type: 'gap', sub, gap: out.gap });
      else this.emitError('CC_WS_INVALID_DATA', out.reason, { sub });
    }
  }

  private ticker(f: Record<string, unknown>, type: '5' | '2'): void {
    const sub = this.ownSub(`${type}~${stringField(f.MARKET)}~${stringField(f.FROMSYMBOL)}~${stringField(f.TOSYMBOL)}`);
    if (sub === undefined) return;
    const ticker = this.tickers.merge(f);
    if (ticker === null) this.emitError('CC_WS_INVALID_DATA', `TYPE ${type} frame lacks MARKET, FROMSYMBOL or TOSYMBOL`, { sub });
    else this.options.onEvent({ type: 'ticker', sub, ticker });
  }

  private trade(f: Record<string, unknown>): void {
    const sub = this.ownSub(`0~${stringField(f.M)}~${stringField(f.FSYM)}~${stringField(f.TSYM)}`);
    if (sub === undefined) return;
    const trade = this.trades.accept(f, this.now());
    if (trade === 'invalid') this.emitError('CC_WS_INVALID_DATA', 'TYPE 0 frame lacks M, FSYM, TSYM, ID, TS, P or Q', { sub });
    else if (trade !== null) this.options.onEvent({ type: 'trade', sub, trade });
  }

  private emitStatus(state: 'connecting' | 'connected' | 'stale' | 'reconnecting' | 'stopped', reason?: string, delayMs?: number): void {
    this.options.onEvent({
      type: 'status',
      state,
      at: this.now(),
      reconnects: this.reconnectCount,
      lastMessageAt: this.lastMessageAt,
      ...(reason === undefined ? {} : { reason }),
      ...(delayMs === undefined ? {} : { delayMs }),
    });
  }

  private emitSubscription(sub: string, state: SubscriptionState, info?: string): void {
    this.options.onEvent({ type: 'subscription', sub, state, ...(info === undefined ? {} : { info }) });
  }

  private emitError(code: StreamerErrorCode, message: string, details?: Record<string, unknown>, extra: { fatal?: boolean; status?: number } = {}): void {
    this.options.onEvent({ type: 'error', error: new StreamerError(code, message, { ...extra, ...(details === undefined ? {} : { details }) }) });
  }
}
