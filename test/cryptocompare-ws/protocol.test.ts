import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamerEvent } from '../../functions/lib/cryptocompare/ws/index.ts';
import { acceleratedClock } from '../../scripts/engines/simulator/clock.ts';
import { startSimulator, type RunningSimulator } from '../../scripts/engines/simulator/server.ts';
import { streamerFor, type StreamerHandle } from '../../scripts/engines/simulator/ws-server.ts';
import { RawSocket, startClient, type Recorder } from './harness.ts';

const CANDLES = '24~CCCAGG~BTC~USD~m';
const INDEX = '5~CCCAGG~BTC~USD';
const TRADES = '0~Coinbase~BTC~USD';
const TICKER = '2~Coinbase~ETH~USD';
const BAD = '24~Nowhere~BTC~USD~m';

const isSub = (sub: string, state: string) => (e: StreamerEvent) => e.type === 'subscription' && e.sub === sub && e.state === state;
const isStatus = (state: string) => (e: StreamerEvent) => e.type === 'status' && e.state === state;
const isError = (code: string) => (e: StreamerEvent) => e.type === 'error' && e.error.code === code;
const closedCandle = (sub: string) => (e: StreamerEvent) => e.type === 'candle' && e.sub === sub && e.candle.state === 'closed';

describe('streamer v2 protocol: simulator server and client over real sockets', () => {
  let sim: RunningSimulator;
  let streamer: StreamerHandle;
  const stops: Array<() => unknown> = [];

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 3, clock: acceleratedClock(60), symbols: ['BTC-USD', 'ETH-USD'] });
    streamer = streamerFor(sim.context) as StreamerHandle;
    streamer.configure({ heartbeatMs: 300 });
  });

  afterAll(async () => {
    for (const stop of stops) await stop();
    await sim.stop();
  });

  function client(options: Parameters<typeof startClient>[1] = {}): { client: ReturnType<typeof startClient>['client']; rec: Recorder } {
    const c = startClient(sim.wsUrl, options);
    stops.push(() => c.client.stop());
    return c;
  }

  function raw(query = '', headers: Record<string, string> = {}): RawSocket {
    const r = new RawSocket(`${sim.wsUrl}${query}`, headers);
    stops.push(() => r.close());
    return r;
  }

  it('sends a full TYPE 20 welcome, heartbeats, 16 per sub with its first payload before it, 3 after the batch', async () => {
    const r = raw();
    const welcome = await r.waitFrame((f) => f.TYPE === '20', 'welcome');
    expect(Object.keys(welcome).sort()).toEqual([
      'CLIENT_ID', 'DATA_FORMAT', 'MESSAGE', 'RATELIMIT_MAX_DAY', 'RATELIMIT_MAX_HOUR', 'RATELIMIT_MAX_MINUTE', 'RATELIMIT_MAX_MONTH', 'RATELIMIT_MAX_SECOND',
      'RATELIMIT_REMAINING_DAY', 'RATELIMIT_REMAINING_HOUR', 'RATELIMIT_REMAINING_MINUTE', 'RATELIMIT_REMAINING_MONTH', 'RATELIMIT_REMAINING_SECOND',
      'SERVER_NAME', 'SERVER_TIME_MS', 'SERVER_UPTIME_SECONDS', 'SOCKETS_ACTIVE', 'SOCKETS_REMAINING', 'SOCKET_ID', 'TYPE',
    ]);
    expect(welcome).toMatchObject({ MESSAGE: 'STREAMERWELCOME', DATA_FORMAT: 'JSON', RATELIMIT_MAX_MINUTE: 60 });
    expect(typeof welcome.SERVER_TIME_MS).toBe('number');
    r.send(JSON.stringify({ action: 'SubAdd', subs: [CANDLES, INDEX, TRADES, TICKER, '24~CCCAGG~BTC~USD~H'] }));
    await r.waitFrame((f) => f.TYPE === '3', 'LOADCOMPLETE');
    const hourly = r.frames.find((f) => f.TYPE === '24' && f.UNIT === 'H');
    expect(hourly).toMatchObject({ ACTION: 'I', MARKET: 'CCCAGG' });
    expect(Number(hourly?.TS) % 3600).toBe(0);
    for (const field of ['OPEN', 'HIGH', 'LOW', 'CLOSE', 'VOLUMEFROM', 'VOLUMETO', 'TOTALTRADES']) expect(typeof hourly?.[field]).toBe('number');
    const exchangeTicker = r.frames.find((f) => f.TYPE === '2');
    expect(exchangeTicker).toMatchObject({ MARKET: 'Coinbase', FROMSYMBOL: 'ETH', TOSYMBOL: 'USD', FLAGS: 4 });
    expect(exchangeTicker).not.toHaveProperty('MEDIAN');
    const trade = r.frames.find((f) => f.TYPE === '0');
    expect(trade).toMatchObject({ M: 'Coinbase', FSYM: 'BTC', TSYM: 'USD' });
    expect(typeof trade?.ID).toBe('string');
    expect(['1', '2']).toContain(trade?.F);
    const types = r.frames.map((f) => String(f.TYPE));
    const firstCandle = types.indexOf('24');
    expect(firstCandle).toBeGreaterThan(0);
    expect(r.frames[firstCandle]).toMatchObject({ MARKET: 'CCCAGG', FROMSYMBOL: 'BTC', TOSYMBOL: 'USD', UNIT: 'm', ACTION: 'I' });
    expect(typeof r.frames[firstCandle]?.TS).toBe('number');
    expect(Number(r.frames[firstCandle]?.TS) % 60).toBe(0);
    expect(types.indexOf('16')).toBeGreaterThan(firstCandle);
    const tradesAck = r.frames.findIndex((f) => f.TYPE === '16' && f.SUB === TRADES);
    expect(r.frames.slice(0, tradesAck).filter((f) => f.TYPE === '0')).toHaveLength(20);
    const snapshot = r.frames.find((f) => f.TYPE === '5');
    expect(snapshot).toMatchObject({ MARKET: 'CCCAGG', FLAGS: 4 });
    expect(typeof snapshot?.PRICE).toBe('number');
    expect(typeof snapshot?.LASTTRADEID).toBe('string');
    const delta = await r.waitFrame((f) => f.TYPE === '5' && f !== snapshot, 'a TYPE 5 delta');
    expect(Object.keys(delta).length).toBeLessThan(Object.keys(snapshot ?? {}).length);
    expect(typeof delta.FLAGS).toBe('number');
    const hb = await r.waitFrame((f) => f.TYPE === '999', 'heartbeat');
    expect(hb).toMatchObject({ MESSAGE: 'HEARTBEAT' });
    expect(typeof hb.TIMEMS).toBe('number');
  });

  it('answers bad input per request and keeps the socket usable: INVALID_JSON, INVALID_SUB, ALREADY_ACTIVE, UNRECOGNIZED, 17, 18', async () => {
    const r = raw();
    await r.waitFrame((f) => f.TYPE === '20', 'welcome');
    r.send('{not json');
    expect(await r.waitFrame((f) => f.TYPE === '500', 'INVALID_JSON')).toMatchObject({ MESSAGE: 'INVALID_JSON' });
    r.send(JSON.stringify({ action: 'SubAdd', subs: [BAD, TICKER] }));
    expect(await r.waitFrame((f) => f.MESSAGE === 'INVALID_SUB', 'INVALID_SUB')).toMatchObject({ TYPE: '500', PARAMETER: BAD });
    await r.waitFrame((f) => f.TYPE === '16' && f.SUB === TICKER, '16 for the valid sub');
    let mark = r.frames.length;
    r.send(JSON.stringify({ action: 'SubAdd', subs: [TICKER] }));
    expect(await r.waitFrame((f) => f.TYPE === '500', 'ALREADY_ACTIVE', mark)).toMatchObject({ MESSAGE: 'SUBSCRIPTION_ALREADY_ACTIVE', PARAMETER: TICKER });
    mark = r.frames.length;
    r.send(JSON.stringify({ action: 'SubRemove', subs: [TICKER, CANDLES] }));
    expect(await r.waitFrame((f) => f.TYPE === '17', '17', mark)).toMatchObject({ MESSAGE: 'UNSUBSCRIBECOMPLETE', SUB: TICKER });
    expect(await r.waitFrame((f) => f.TYPE === '500', 'UNRECOGNIZED', mark)).toMatchObject({ MESSAGE: 'SUBSCRIPTION_UNRECOGNIZED', PARAMETER: CANDLES });
    expect(await r.waitFrame((f) => f.TYPE === '18', '18', mark)).toMatchObject({ MESSAGE: 'UNSUBSCRIBEALLCOMPLETE', INFO: 'Removed 1 subs.', INFO_OBJ: { valid: 1, invalid: 1 } });
    expect(r.closed).toBe(false);
  });

  it('client: lifecycle of subscriptions, INVALID_SUB is per subscription and the others keep flowing', async () => {
    const { client: c, rec } = client();
    c.subscribe([CANDLES, BAD, INDEX, TRADES]);
    await rec.waitFor(isStatus('connected'), 'connected');
    await rec.waitFor(isSub(BAD, 'invalid'), 'BAD invalid');
    const err = rec.events.findIndex(isError('CC_WS_INVALID_SUB'));
    expect(err).toBeGreaterThanOrEqual(0);
    await rec.waitFor(isSub(CANDLES, 'active'), 'candles active');
    await rec.waitFor(closedCandle(CANDLES), 'a closed candle after the INVALID_SUB', { from: err });
    const ticker = await rec.waitFor<Extract<StreamerEvent, { type: 'ticker' }>>((e) => e.type === 'ticker' && e.sub === INDEX, 'index ticker', { from: err });
    expect(ticker.ticker.price).toBeGreaterThan(0);
    const trades = rec.of('trade');
    expect(trades.length).toBeGreaterThanOrEqual(20);
    expect(new Set(trades.map((t) => t.trade.id)).size).toBe(trades.length);
    expect(c.subscriptions().get(BAD)).toBe('invalid');
    expect(rec.of('control').some((e) => e.message === 'LOADCOMPLETE')).toBe(true);

    const mark = rec.events.length;
    c.unsubscribe([INDEX]);
    await rec.waitFor(isSub(INDEX, 'removed'), '17 for the index', { from: mark });
    await rec.waitFor((e) => e.type === 'control' && e.message === 'UNSUBSCRIBEALLCOMPLETE', '18', { from: mark });
    expect(c.subscriptions().has(INDEX)).toBe(false);
    await c.stop();
    expect(rec.events.at(-1)).toMatchObject({ type: 'status', state: 'stopped' });
  });

  it('client: a reconnect resubscribes exactly what is active (not removed, not invalid subs)', async () => {
    const { client: c, rec } = client({ apiKey: 'resub-key' });
    c.subscribe([CANDLES, BAD, TICKER, TRADES]);
    await rec.waitFor(isSub(TRADES, 'active'), 'trades active');
    c.unsubscribe([TICKER]);
    await rec.waitFor(isSub(TICKER, 'removed'), 'ticker removed');
    const mine = () => streamer.sockets().filter((s) => s.clientKey.includes('api_key=***'));
    expect(mine()).toHaveLength(1);
    const mark = rec.events.length;
    const tradesBefore = rec.of('trade').length;
    sim.context.faults.dropSocketEveryMs = 1;
    await rec.waitFor(isStatus('reconnecting'), 'reconnecting after the drop', { from: mark });
    sim.context.faults.dropSocketEveryMs = 0;
    await rec.waitFor(isStatus('connected'), 'connected again', { from: mark });
    await rec.waitFor((e) => e.type === 'control' && e.message === 'LOADCOMPLETE', 'LOADCOMPLETE after resubscribe', { from: mark });
    expect(mine().map((s) => s.subscriptions.sort())).toEqual([[CANDLES, TRADES].sort()]);
    expect(rec.of('error', mark).map((e) => e.error.code)).toEqual([]);
    expect(c.subscriptions()).toEqual(new Map([[CANDLES, 'active'], [BAD, 'invalid'], [TRADES, 'active']]));
    // The 20 trades replayed on resubscribe were already seen: deduped, none emitted twice.
    const trades = rec.of('trade');
    expect(new Set(trades.map((t) => t.trade.id)).size).toBe(trades.length);
    expect(tradesBefore).toBeGreaterThanOrEqual(20);
    expect(c.reconnects).toBe(1);
  });

  it('client: 500 FORCE_DISCONNECT reconnects and resubscribes', async () => {
    const { client: c, rec } = client();
    c.subscribe([CANDLES]);
    await rec.waitFor(isSub(CANDLES, 'active'), 'active');
    const mark = rec.events.length;
    streamer.forceDisconnect();
    await rec.waitFor(isError('CC_WS_FORCE_DISCONNECT'), 'FORCE_DISCONNECT error', { from: mark });
    const reconnecting = await rec.waitFor<Extract<StreamerEvent, { type: 'status' }>>(isStatus('reconnecting'), 'reconnecting', { from: mark });
    expect(reconnecting.delayMs).toBeGreaterThanOrEqual(200);
    await rec.waitFor(isSub(CANDLES, 'active'), 'active again', { from: mark + 1 });
    await rec.waitFor(closedCandle(CANDLES), 'candles flow again', { from: mark + 1 });
    expect(rec.events.slice(mark).filter((e) => e.type === 'error' && e.error.fatal)).toEqual([]);
  });

  it('client: 429 TOO_MANY_SOCKETS backs off and gets in once the other socket closes', async () => {
    streamer.configure({ maxSocketsPerClient: 1 });
    try {
      const first = client({ apiKey: 'one-socket' });
      await first.rec.waitFor(isStatus('connected'), 'first connected');
      const r = raw('?api_key=one-socket');
      expect(await r.waitFrame((f) => f.TYPE === '429', '429 frame')).toMatchObject({ MESSAGE: 'TOO_MANY_SOCKETS_MAX_1_PER_CLIENT' });
      await r.waitClosed();
      const second = client({ apiKey: 'one-socket', minReconnectDelayMs: 300 });
      const err = await second.rec.waitFor<Extract<StreamerEvent, { type: 'error' }>>(isError('CC_WS_TOO_MANY_SOCKETS'), '429 error');
      expect(err.error.fatal).toBe(false);
      expect(err.error.message).not.toContain('one-socket');
      const retry = await second.rec.waitFor<Extract<StreamerEvent, { type: 'status' }>>(isStatus('reconnecting'), 'backoff');
      expect(retry.delayMs).toBeGreaterThanOrEqual(300);
      await first.client.stop();
      await second.rec.waitFor(isStatus('connected'), 'second connected after the first left', { timeoutMs: 30_000 });
    } finally {
      streamer.configure({ maxSocketsPerClient: 10 });
    }
  });

  it('client: 429 TOO_MANY_SUBSCRIPTIONS rejects the extra subscription only', async () => {
    streamer.configure({ maxSubscriptionsPerSocket: 1 });
    try {
      const { client: c, rec } = client();
      c.subscribe([CANDLES, INDEX]);
      await rec.waitFor(isSub(INDEX, 'rejected'), 'index rejected');
      expect(rec.of('error').map((e) => e.error.code)).toEqual(['CC_WS_TOO_MANY_SUBSCRIPTIONS']);
      await rec.waitFor(isSub(CANDLES, 'active'), 'candles active');
      await rec.waitFor(closedCandle(CANDLES), 'candles flow');
      expect(c.subscriptions()).toEqual(new Map([[CANDLES, 'active'], [INDEX, 'rejected']]));
      expect(c.reconnects).toBe(0);
    } finally {
      streamer.configure({ maxSubscriptionsPerSocket: 600 });
    }
  });

  it('429 RATE_LIMIT_OPENING_SOCKETS_TOO_FAST: the client waits its longest backoff', async () => {
    streamer.configure({ openingLimits: { second: 30, minute: 2, hour: 1200, day: 10_000, month: 20_000 } });
    try {
      const key = '?api_key=fast-opener';
      const a = raw(key);
      await a.waitFrame((f) => f.TYPE === '20', 'first welcome');
      const b = raw(key);
      await b.waitFrame((f) => f.TYPE === '20', 'second welcome');
      const c = raw(key);
      expect(await c.waitFrame((f) => f.TYPE === '429', 'opening 429')).toMatchObject({ MESSAGE: 'RATE_LIMIT_OPENING_SOCKETS_TOO_FAST' });
      const { rec } = client({ apiKey: 'fast-opener', maxReconnectDelayMs: 4_321 });
      await rec.waitFor(isError('CC_WS_OPENING_TOO_FAST'), 'opening too fast error');
      expect(await rec.waitFor(isStatus('reconnecting'), 'backoff')).toMatchObject({ delayMs: 4_321 });
    } finally {
      streamer.configure({ openingLimits: { second: 30, minute: 60, hour: 1200, day: 10_000, month: 20_000 } });
    }
  });
});

describe('streamer v2 authentication', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 4, clock: acceleratedClock(60), apiKeys: ['good-key'] });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('401 UNAUTHORIZED for a wrong key is fatal, typed, redacted and not retried; a good key (query or header) connects', async () => {
    const bad = startClient(sim.wsUrl, { apiKey: 'wrong-secret' });
    const err = await bad.rec.waitFor<Extract<StreamerEvent, { type: 'error' }>>(isError('CC_WS_UNAUTHORIZED'), '401');
    expect(err.error.fatal).toBe(true);
    expect(err.error.status).toBe(401);
    expect(JSON.stringify(bad.rec.events)).not.toContain('wrong-secret');
    await bad.rec.waitFor(isStatus('stopped'), 'stopped');
    expect(bad.client.reconnects).toBe(0);
    expect(bad.rec.of('status').map((s) => s.state)).not.toContain('reconnecting');

    const viaHeader = new RawSocket(sim.wsUrl, { Authorization: 'Apikey good-key' });
    try {
      expect(await viaHeader.waitFrame((f) => f.TYPE === '20', 'welcome with header key')).toMatchObject({ MESSAGE: 'STREAMERWELCOME' });
    } finally {
      viaHeader.close();
    }
    const missing = new RawSocket(sim.wsUrl);
    expect(await missing.waitFrame((f) => f.TYPE === '401', '401 without key')).toMatchObject({ MESSAGE: 'UNAUTHORIZED' });
    await missing.waitClosed();

    const good = startClient(sim.wsUrl, { apiKey: 'good-key' });
    try {
      good.client.subscribe([CANDLES]);
      await good.rec.waitFor(isSub(CANDLES, 'active'), 'active with the good key');
    } finally {
      await good.client.stop();
    }
  });
});
