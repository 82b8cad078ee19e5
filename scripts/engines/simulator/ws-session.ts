import type { WebSocket } from 'ws';
import { parseSubscription } from '../../../functions/lib/cryptocompare/ws/protocol.ts';
import type { SimulatorContext } from './context.ts';
import { error500, loadComplete, subscribeComplete, tooManySubscriptions, unsubscribeAllComplete, unsubscribeComplete, type Frame } from './ws-frames.ts';
import { CandleStream, TickerStream, TradeStream, type Stream } from './ws-streams.ts';

export interface SessionEnv {
  ctx: SimulatorContext;
  random: () => number;
  maxSubscriptionsPerSocket: () => number;
}

/** Resolves a subscription against the market: the stream that serves it, or the INFO of a 500 INVALID_SUB. */
function streamFor(ctx: SimulatorContext, sub: string): { key: string; stream: Stream } | { invalid: string } {
  const parsed = parseSubscription(sub);
  if (parsed === null) return { invalid: `${sub.slice(0, 80)} is not TYPE~MARKET~BASE~QUOTE[~m|H|D] for a supported TYPE (0, 2, 5, 24).` };
  const exchange = parsed.market.toLowerCase();
  const symbol = `${parsed.base}-${parsed.quote}`.toUpperCase();
  const isAggregate = exchange === 'cccagg';
  if (!ctx.market.exchanges.includes(exchange) && !isAggregate) return { invalid: `We have not integrated any of the exchanges ${parsed.market} trades on or we have not currently mapped it.` };
  if (!ctx.market.symbols.includes(symbol)) return { invalid: `We have not integrated ${symbol} on ${parsed.market} or we have not currently mapped it.` };
  if (parsed.type === '5' && !isAggregate) return { invalid: 'TYPE 5 is the CCCAGG index: use 5~CCCAGG~BASE~QUOTE.' };
  if ((parsed.type === '0' || parsed.type === '2') && isAggregate) return { invalid: `TYPE ${parsed.type} needs an exchange, not CCCAGG.` };
  const target = { market: ctx.market, exchange, symbol };
  const key = `${parsed.type}~${parsed.market.toUpperCase()}~${symbol.replace('-', '~')}${parsed.unit ? `~${parsed.unit}` : ''}`;
  switch (parsed.type) {
    case '24': return { key, stream: new CandleStream(target, parsed.unit ?? 'm') };
    case '0': return { key, stream: new TradeStream(target) };
    default: return { key, stream: new TickerStream(target, parsed.type) };
  }
}

/** One client socket: its subscriptions, its replies to SubAdd/SubRemove, and the frames its streams produce. */
export class Session {
  private readonly streams = new Map<string, { sub: string; stream: Stream }>();
  lastHeartbeatAt: number;

  constructor(
    readonly ws: WebSocket,
    readonly clientKey: string,
    readonly socketId: string,
    private readonly env: SessionEnv,
    wallNow: number,
  ) {
    this.lastHeartbeatAt = wallNow;
  }

  subscriptions(): string[] {
    return [...this.streams.values()].map((s) => s.sub);
  }

  /** Sends a frame unless the socket is stalled; data frames are subject to the malformed/duplicate faults. */
  send(frame: Frame, data = false): void {
    const { faults } = this.env.ctx;
    if (faults.stall || this.ws.readyState !== this.ws.OPEN) return;
    const text = JSON.stringify(frame);
    // Malformed: half a frame, or the empty `{}` frames the real streamer sends now and then.
    if (data && this.env.random() < faults.malformedFrames) this.ws.send(this.env.random() < 0.5 ? '{}' : text.slice(0, Math.max(1, Math.floor(text.length / 2))));
    this.ws.send(text);
    if (data && this.env.random() < faults.duplicates) this.ws.send(text);
  }

  receive(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.send(error500('INVALID_JSON', text.slice(0, 100), 'We only accept JSON messages: {"action":"SubAdd","subs":[...]}'));
      return;
    }
    const m = message as { action?: unknown; subs?: unknown };
    if (m === null || typeof m !== 'object' || (m.action !== 'SubAdd' && m.action !== 'SubRemove')) {
      this.send(error500('INVALID_PARAMETER', 'action', 'action must be SubAdd or SubRemove.'));
      return;
    }
    if (!Array.isArray(m.subs) || m.subs.some((s) => typeof s !== 'string')) {
      this.send(error500('INVALID_PARAMETER', 'subs', 'subs must be an array of subscription strings.'));
      return;
    }
    if (m.action === 'SubAdd') this.add(m.subs as string[]);
    else this.remove(m.subs as string[]);
  }

  private add(subs: string[]): void {
    const now = this.env.ctx.clock.now();
    for (const sub of subs) {
      const resolved = streamFor(this.env.ctx, sub);
      if ('invalid' in resolved) {
        this.send(error500('INVALID_SUB', sub, resolved.invalid));
        continue;
      }
      if (this.streams.has(resolved.key)) {
        this.send(error500('SUBSCRIPTION_ALREADY_ACTIVE', sub, 'You are already subscribed to this.'));
        continue;
      }
      const max = this.env.maxSubscriptionsPerSocket();
      if (this.streams.size >= max) {
        this.send(tooManySubscriptions(max, sub));
        continue;
      }
      this.streams.set(resolved.key, { sub, stream: resolved.stream });
      for (const frame of resolved.stream.start(now)) this.send(frame, true);
      this.send(subscribeComplete(sub));
    }
    this.send(loadComplete());
  }

  private remove(subs: string[]): void {
    let valid = 0;
    let invalid = 0;
    for (const sub of subs) {
      const resolved = streamFor(this.env.ctx, sub);
      const key = 'key' in resolved ? resolved.key : null;
      if (key !== null && this.streams.delete(key)) {
        valid += 1;
        this.send(unsubscribeComplete(sub));
      } else {
        invalid += 1;
        this.send(error500('SUBSCRIPTION_UNRECOGNIZED', sub, 'You are not subscribed to this.'));
      }
    }
    this.send(unsubscribeAllComplete(valid, invalid));
  }

  tick(now: number): void {
    const { faults } = this.env.ctx;
    for (const { stream } of this.streams.values()) {
      for (const frame of stream.tick(now, faults, this.env.random)) this.send(frame, true);
    }
  }
}
