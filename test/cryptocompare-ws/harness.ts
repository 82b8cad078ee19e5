import WebSocket from 'ws';
import { createStreamerClient, type StreamerClient, type StreamerClientOptions, type StreamerEvent } from '../../functions/lib/cryptocompare/ws/index.ts';

/** Waits for `check` to return a value (not undefined/false), re-checking on every change; rejects after `timeoutMs`. */
async function until<T>(check: () => T | undefined | false, subscribe: (wake: () => void) => () => void, timeoutMs: number, what: string, context: () => string): Promise<T> {
  const first = check();
  if (first !== undefined && first !== false) return first;
  return new Promise<T>((resolve, reject) => {
    const stop = subscribe(() => {
      const value = check();
      if (value === undefined || value === false) return;
      clearTimeout(timer);
      stop();
      resolve(value);
    });
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${context()}`));
    }, timeoutMs);
  });
}

/** Every event a client emitted, in order, with waits on them. */
export class Recorder {
  readonly events: StreamerEvent[] = [];
  private readonly listeners = new Set<() => void>();

  readonly push = (event: StreamerEvent): void => {
    this.events.push(event);
    for (const l of [...this.listeners]) l();
  };

  private listen = (wake: () => void): (() => void) => {
    this.listeners.add(wake);
    return () => this.listeners.delete(wake);
  };

  /** The first event at index >= from that matches. */
  waitFor<T extends StreamerEvent = StreamerEvent>(match: (e: StreamerEvent) => boolean, what: string, options: { from?: number; timeoutMs?: number } = {}): Promise<T> {
    const from = options.from ?? 0;
    return until(
      () => this.events.slice(from).find(match) as T | undefined,
      this.listen,
      options.timeoutMs ?? 30_000,
      what,
      () => `last events: ${this.events.slice(-5).map((e) => JSON.stringify(e).slice(0, 160)).join(' | ')}`,
    );
  }

  /** Waits until `check` holds over the recorded events. */
  waitUntil<T>(check: () => T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
    return until(check, this.listen, timeoutMs, what, () => `${this.events.length} events recorded`);
  }

  of<K extends StreamerEvent['type']>(type: K, from = 0): Array<Extract<StreamerEvent, { type: K }>> {
    return this.events.slice(from).filter((e): e is Extract<StreamerEvent, { type: K }> => e.type === type);
  }
}

export function startClient(url: string, options: Partial<StreamerClientOptions> = {}): { client: StreamerClient; rec: Recorder } {
  const rec = new Recorder();
  const client = createStreamerClient({
    url,
    WebSocket,
    source: 'simulator',
    heartbeatTimeoutMs: 5_000,
    minReconnectDelayMs: 200,
    maxReconnectDelayMs: 2_000,
    ...options,
    onEvent: rec.push,
  });
  return { client, rec };
}

/** A bare `ws` socket that records parsed frames: for checking the server's wire format directly. */
export class RawSocket {
  readonly frames: Array<Record<string, unknown>> = [];
  readonly ws: WebSocket;
  private readonly listeners = new Set<() => void>();
  closed = false;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Record<string, unknown>);
      for (const l of [...this.listeners]) l();
    });
    this.ws.on('close', () => {
      this.closed = true;
      for (const l of [...this.listeners]) l();
    });
    this.ws.on('error', () => undefined);
  }

  send(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
    else this.ws.once('open', () => this.ws.send(text));
  }

  waitFrame(match: (f: Record<string, unknown>) => boolean, what: string, from = 0, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    return until(() => this.frames.slice(from).find(match), (wake) => {
      this.listeners.add(wake);
      return () => this.listeners.delete(wake);
    }, timeoutMs, what, () => `frames: ${this.frames.slice(-4).map((f) => JSON.stringify(f).slice(0, 120)).join(' | ')}`);
  }

  waitClosed(timeoutMs = 20_000): Promise<true> {
    return until(() => this.closed || undefined, (wake) => {
      this.listeners.add(wake);
      return () => this.listeners.delete(wake);
    }, timeoutMs, 'socket close', () => `${this.frames.length} frames`);
  }

  close(): void {
    this.ws.terminate();
  }
}
