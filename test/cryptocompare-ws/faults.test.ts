import { afterEach, describe, expect, it } from 'vitest';
import { TIMEFRAME_MS } from '../../schemas/common.ts';
import { GapMetadata } from '../../schemas/market-metadata.ts';
import type { OhlcvMessage } from '../../schemas/ohlcv.ts';
import type { StreamerEvent } from '../../functions/lib/cryptocompare/ws/index.ts';
import { acceleratedClock } from '../../scripts/engines/simulator/clock.ts';
import type { Faults } from '../../scripts/engines/simulator/context.ts';
import { startSimulator, type RunningSimulator } from '../../scripts/engines/simulator/server.ts';
import { streamerFor } from '../../scripts/engines/simulator/ws-server.ts';
import { startClient } from './harness.ts';

const SUB = '24~CCCAGG~BTC~USD~m';
const STEP = TIMEFRAME_MS['1m'];

const isStatus = (state: string) => (e: StreamerEvent) => e.type === 'status' && e.state === state;
const candlesOf = (events: StreamerEvent[]): OhlcvMessage[] => events.flatMap((e) => (e.type === 'candle' ? [e.candle] : []));
const gapsOf = (events: StreamerEvent[]): GapMetadata[] => events.flatMap((e) => (e.type === 'gap' ? [e.gap] : []));

describe('streamer client under WebSocket faults (real simulator, real sockets)', () => {
  let sim: RunningSimulator | undefined;
  let stopClient: (() => Promise<void>) | undefined;

  async function start(speed: number, faults: Partial<Faults> = {}): Promise<RunningSimulator> {
    sim = await startSimulator({ port: 0, seed: 11, clock: acceleratedClock(speed), symbols: ['BTC-USD'], faults });
    return sim;
  }

  afterEach(async () => {
    await stopClient?.();
    await sim?.stop();
    stopClient = undefined;
    sim = undefined;
  });

  it('stall: the heartbeat watchdog declares the silent socket dead, and the client recovers when data flows again', async () => {
    const s = await start(60);
    streamerFor(s.context)?.configure({ heartbeatMs: 200 });
    const { client, rec } = startClient(s.wsUrl, { heartbeatTimeoutMs: 1_000, minReconnectDelayMs: 200 });
    stopClient = () => client.stop();
    client.subscribe([SUB]);
    await rec.waitFor((e) => e.type === 'control' && e.message === 'HEARTBEAT', 'a heartbeat');
    const mark = rec.events.length;
    s.context.faults.stall = true;
    const stale = await rec.waitFor<Extract<StreamerEvent, { type: 'status' }>>(isStatus('stale'), 'stale', { from: mark });
    expect(stale.reason).toMatch(/no frame for \d+ ms/);
    expect(rec.of('error', mark).map((e) => e.error.code)).toContain('CC_WS_STALE');
    await rec.waitFor(isStatus('reconnecting'), 'reconnecting', { from: mark });
    s.context.faults.stall = false;
    const back = rec.events.length;
    await rec.waitFor(isStatus('connected'), 'connected after the stall', { from: back });
    await rec.waitFor((e) => e.type === 'candle' && e.candle.state === 'closed', 'candles after the stall', { from: back });
    expect(client.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('drop: the gap reported on reconnect is exactly the buckets whose closed candle was never received', async () => {
    const s = await start(60);
    // At 60x a minute bucket lasts 1 s: a 2.5 s reconnect delay misses two or three of them.
    const { client, rec } = startClient(s.wsUrl, { minReconnectDelayMs: 2_500, maxReconnectDelayMs: 3_000 });
    stopClient = () => client.stop();
    client.subscribe([SUB]);
    await rec.waitUntil(() => candlesOf(rec.events).filter((c) => c.state === 'closed').length >= 2 || undefined, 'two closed candles');
    const mark = rec.events.length;
    s.context.faults.dropSocketEveryMs = 1;
    await rec.waitFor(isStatus('reconnecting'), 'reconnecting', { from: mark });
    s.context.faults.dropSocketEveryMs = 0;
    const gapEvent = await rec.waitFor<Extract<StreamerEvent, { type: 'gap' }>>((e) => e.type === 'gap', 'gap after reconnect', { from: mark });
    const gap = gapEvent.gap;
    expect(GapMetadata.parse(gap)).toMatchObject({ kind: 'gap', exchange: 'cccagg', symbol: 'BTC-USD', timeframe: '1m', reason: 'reconnect' });
    const afterIndex = rec.events.indexOf(gapEvent);
    await rec.waitUntil(() => candlesOf(rec.events.slice(afterIndex)).filter((c) => c.state === 'closed').length >= 2 || undefined, 'two closed candles after reconnect');

    const closedBefore = candlesOf(rec.events.slice(0, mark)).filter((c) => c.state === 'closed').map((c) => c.timestamp);
    const firstAfter = candlesOf(rec.events.slice(afterIndex))[0];
    expect(gap.from).toBe(Math.max(...closedBefore) + STEP);
    expect(gap.to).toBe((firstAfter?.timestamp ?? 0) - STEP);
    expect(gap.to).toBeGreaterThanOrEqual(gap.from);
    expect(firstAfter?.quality.flags).toContain('gap_before');
    expect(firstAfter?.quality.gapBeforeMs).toBe(gap.to - gap.from + STEP);
    // Every bucket from the first closed one on is either received closed or inside the gap, never both.
    const closed = new Set(candlesOf(rec.events).filter((c) => c.state === 'closed').map((c) => c.timestamp));
    const last = Math.max(...closed);
    for (let t = Math.min(...closed); t <= last; t += STEP) {
      const inGap = t >= gap.from && t <= gap.to;
      expect({ t, covered: closed.has(t) !== inGap }).toEqual({ t, covered: true });
    }
    expect(client.reconnects).toBe(1);
  });

  it('malformed, duplicate, out-of-order and revised frames: no crash, no duplicate candle, increasing revisions, nothing silently lost', async () => {
    const s = await start(120, { malformedFrames: 0.2, duplicates: 0.4, outOfOrder: 0.4, revisions: 0.5, gaps: 0.1 });
    const { client, rec } = startClient(s.wsUrl);
    stopClient = () => client.stop();
    client.subscribe([SUB]);
    await rec.waitUntil(() => {
      const closed = candlesOf(rec.events).filter((c) => c.state === 'closed').length;
      const revised = candlesOf(rec.events).filter((c) => c.state === 'revised').length;
      return (closed >= 20 && revised >= 3) || undefined;
    }, '20 closed and 3 revised candles', 60_000);

    expect(rec.of('error').some((e) => e.error.code === 'CC_WS_MALFORMED_FRAME')).toBe(true);
    expect(rec.of('status').map((e) => e.state)).toEqual(['connecting', 'connected']);
    const candles = candlesOf(rec.events);
    // Duplicates suppressed: one closed emission per bucket, revisions counting up 1, 2, 3 per bucket.
    const byBucket = new Map<number, OhlcvMessage[]>();
    for (const c of candles.filter((x) => x.state !== 'forming')) byBucket.set(c.timestamp, [...(byBucket.get(c.timestamp) ?? []), c]);
    for (const [t, list] of byBucket) {
      expect({ t, closed: list.filter((c) => c.state === 'closed').length }).toEqual({ t, closed: 1 });
      expect(list.filter((c) => c.state === 'revised').map((c) => c.revision)).toEqual(list.filter((c) => c.state === 'revised').map((_, i) => i + 1));
    }
    for (let i = 1; i < candles.length; i++) {
      const a = candles[i - 1] as OhlcvMessage;
      const b = candles[i] as OhlcvMessage;
      const same = a.timestamp === b.timestamp && a.close === b.close && a.volume === b.volume && a.trades === b.trades && a.high === b.high && a.low === b.low;
      expect(same && a.state === b.state).toBe(false);
    }

    // Nothing silently lost: every bucket in range is received (latest version == the market's candle) or reported as a gap.
    const gaps = gapsOf(rec.events);
    const inGap = (t: number): boolean => gaps.some((g) => t >= g.from && t <= g.to);
    const received = [...byBucket.keys()];
    const first = Math.min(...received);
    const last = Math.max(...received);
    const mismatches = (): string[] => {
      const latest = new Map<number, OhlcvMessage>();
      for (const c of candlesOf(rec.events)) if (c.state !== 'forming') latest.set(c.timestamp, c);
      const now = s.context.clock.now();
      const out: string[] = [];
      for (let t = first; t <= last; t += STEP) {
        const got = latest.get(t);
        if (got === undefined) {
          if (!inGap(t)) out.push(`${t}: neither received nor reported as a gap`);
          continue;
        }
        const want = s.context.market.candle('cccagg', 'BTC-USD', '1m', t, now);
        if (got.open !== want.open || got.high !== want.high || got.low !== want.low || got.close !== want.close || got.volume !== want.volumefrom || got.trades !== want.trades) {
          out.push(`${t}: received ${JSON.stringify([got.open, got.high, got.low, got.close, got.volume, got.trades])} market ${JSON.stringify([want.open, want.high, want.low, want.close, want.volumefrom, want.trades])}`);
        }
      }
      return out;
    };
    // A market revision can land between two server ticks: give the stream a moment to deliver it before judging.
    await rec.waitUntil(() => mismatches().length === 0 || undefined, `received candles to match the market: ${mismatches().join('; ')}`, 10_000).catch(() => undefined);
    expect(mismatches()).toEqual([]);
    expect(gaps.every((g) => g.reason === 'source_gap' && g.from <= g.to)).toBe(true);
  });
});
