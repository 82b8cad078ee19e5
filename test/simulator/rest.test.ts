import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../scripts/engines/simulator/clock.ts';
import { startSimulator, type RunningSimulator } from '../../scripts/engines/simulator/server.ts';

/** The simulator's REST protocol over real sockets, as the research note documents the real service. */

const NOW = Date.UTC(2026, 0, 10, 12, 30, 20);
const NOW_S = Math.floor(NOW / 1000);
let sim: RunningSimulator;

type Json = Record<string, unknown> & { Data: unknown };
async function get(path: string, headers: Record<string, string> = {}, base = sim.restUrl): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(`${base}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}

interface V2 { Response: string; Type: number; Data: { Aggregated: boolean; TimeFrom: number; TimeTo: number; Data: Array<Record<string, number | string>> } }

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 3, clock: manualClock(NOW), symbols: ['BTC-USD', 'ETH-USD'], rateLimits: { second: 10_000, minute: 10_000, hour: 10_000, day: 10_000 } });
});
afterAll(async () => { await sim.stop(); });

describe('min-api histo', () => {
  it('v2 histohour: default limit 168 → 169 candles, newest forming, v2 envelope and field set', async () => {
    const { status, body } = await get('/data/v2/histohour?fsym=BTC&tsym=USD');
    const v2 = body as unknown as V2;
    expect(status).toBe(200);
    expect(v2).toMatchObject({ Response: 'Success', Message: '', HasWarning: false, Type: 100, RateLimit: {}, Data: { Aggregated: false } });
    expect(v2.Data.Data).toHaveLength(169);
    const last = v2.Data.Data.at(-1)!;
    expect(last.time).toBe(Math.floor(NOW_S / 3600) * 3600);
    expect(Object.keys(last)).toEqual(['time', 'high', 'low', 'open', 'volumefrom', 'volumeto', 'close', 'conversionType', 'conversionSymbol']);
    const forming = sim.context.market.candle('cccagg', 'BTC-USD', '1h', (last.time as number) * 1000, NOW);
    expect(forming.forming).toBe(true);
    expect(last.close).toBe(forming.close);
  });

  it('default limits: minute 1440, day 30; limit max 2000; limit*aggregate capped at 2000', async () => {
    expect(((await get('/data/v2/histominute?fsym=BTC&tsym=USD')).body as unknown as V2).Data.Data).toHaveLength(1441);
    expect(((await get('/data/v2/histoday?fsym=BTC&tsym=USD')).body as unknown as V2).Data.Data).toHaveLength(31);
    expect(((await get('/data/v2/histohour?fsym=BTC&tsym=USD&limit=5000')).body as unknown as V2).Data.Data).toHaveLength(2001);
    const agg = (await get('/data/v2/histohour?fsym=BTC&tsym=USD&limit=1000&aggregate=4')).body as unknown as V2;
    expect(agg.Data.Data).toHaveLength(501);
    expect(agg.Data.Aggregated).toBe(true);
  });

  it('toTs is inclusive seconds: the candle at toTs is the newest returned, and it is closed', async () => {
    const toTs = Math.floor(NOW_S / 3600) * 3600 - 10 * 3600;
    const v2 = (await get(`/data/v2/histohour?fsym=ETH&tsym=USD&limit=3&toTs=${toTs}`)).body as unknown as V2;
    expect(v2.Data.Data.map((c) => c.time)).toEqual([toTs - 3 * 3600, toTs - 2 * 3600, toTs - 3600, toTs]);
    expect(v2.Data.Data.at(-1)!.volumefrom).toBe(sim.context.market.candle('cccagg', 'ETH-USD', '1h', toTs * 1000, NOW).volumefrom);
  });

  it('v1 envelope with ConversionType and FirstValueInArray; exchange parameter e', async () => {
    const { body } = await get('/data/histoday?fsym=BTC&tsym=USD&limit=2&e=Coinbase');
    expect(body).toMatchObject({ Response: 'Success', Type: 100, Aggregated: false, FirstValueInArray: true, ConversionType: { type: 'direct', conversionSymbol: '' } });
    const data = body.Data as Array<Record<string, number>>;
    expect(data).toHaveLength(3);
    expect(data[0]!.close).toBe(sim.context.market.candle('coinbase', 'BTC-USD', '1d', data[0]!.time! * 1000, NOW).close);
  });

  it('tryConversion: BTC-EUR is served as multiply through USD, refused with tryConversion=false', async () => {
    const conv = (await get('/data/v2/histoday?fsym=BTC&tsym=EUR&limit=1')).body as unknown as V2;
    expect(conv.Data.Data[0]).toMatchObject({ conversionType: 'multiply', conversionSymbol: 'USD' });
    const usd = sim.context.market.candle('cccagg', 'BTC-USD', '1d', (conv.Data.Data[0]!.time as number) * 1000, NOW);
    expect(conv.Data.Data[0]!.close).toBeCloseTo(usd.close * 0.92, 2);
    const refused = (await get('/data/v2/histoday?fsym=BTC&tsym=EUR&limit=1&tryConversion=false')).body;
    expect(refused).toMatchObject({ Response: 'Error', Type: 2, Message: 'cccagg_or_exchange market does not exist for this coin pair (BTC-EUR)' });
  });

  it('errors: HTTP 200 Type 2 with the real messages', async () => {
    const missing = await get('/data/v2/histoday?tsym=USD');
    expect(missing.status).toBe(200);
    expect(missing.body).toMatchObject({ Response: 'Error', Message: 'fsym param seems to be missing.', Type: 2, HasWarning: false, Data: {}, Cooldown: 0, ParamWithError: 'fsym' });
    expect((await get('/data/v2/histoday?fsym=BTCCC&tsym=USD')).body).toMatchObject({ Type: 2, Message: 'There is no data for the symbol BTCCC .' });
    expect((await get('/data/v2/histoday?fsym=ETH&tsym=BTCDDD')).body).toMatchObject({ Type: 2, Message: 'cccagg_or_exchange market does not exist for this coin pair (ETH-BTCDDD)' });
    expect((await get('/data/v2/histoday?fsym=ETH&tsym=USD&e=Nowhere')).body).toMatchObject({ Type: 2, Response: 'Error' });
  });

  it('minute history only 7 days back, with the real error text', async () => {
    const old = NOW_S - 8 * 86_400;
    const { status, body } = await get(`/data/v2/histominute?fsym=BTC&tsym=USD&toTs=${old}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ Response: 'Error', Type: 2, Message: 'Minute data for BTC-USD is only available for the last 7 days' });
    expect(((await get(`/data/v2/histominute?fsym=BTC&tsym=USD&limit=10&toTs=${NOW_S - 6 * 86_400}`)).body as unknown as V2).Response).toBe('Success');
  });
});

describe('other min-api endpoints', () => {
  it('pricemultifull: RAW + DISPLAY, no envelope, FLAGS a string, TYPE "5"', async () => {
    const { body } = await get('/data/pricemultifull?fsyms=BTC,ETH&tsyms=USD');
    expect(Object.keys(body).sort()).toEqual(['DISPLAY', 'RAW']);
    const raw = (body.RAW as Record<string, Record<string, Record<string, unknown>>>).BTC!.USD!;
    expect(raw.TYPE).toBe('5');
    expect(typeof raw.FLAGS).toBe('string');
    expect(raw.PRICE).toBe(sim.context.market.ticker('cccagg', 'BTC-USD', NOW).price);
    expect(typeof raw.LASTTRADEID).toBe('string');
    expect(typeof (body.DISPLAY as Record<string, Record<string, Record<string, unknown>>>).ETH!.USD!.PRICE).toBe('string');
    expect((await get('/data/pricemultifull?tsyms=USD')).body).toMatchObject({ Response: 'Error', Type: 2 });
  });

  it('coinlist keyed by symbol; exchanges map exchange → fsym → [tsyms]', async () => {
    const coins = (await get('/data/all/coinlist')).body;
    expect(coins).toMatchObject({ Response: 'Success', Type: 100, Data: { BTC: { Symbol: 'BTC', CoinName: 'Bitcoin' }, ETH: { Symbol: 'ETH' } } });
    const exchanges = (await get('/data/all/exchanges')).body as unknown as Record<string, Record<string, string[]>>;
    expect(exchanges.Coinbase).toEqual({ BTC: ['USD'], ETH: ['USD'] });
    expect(exchanges).not.toHaveProperty('CCCAGG');
  });
});

describe('Data API', () => {
  it('spot minutes: limit entries up to to_ts inclusive, {Data:[…],Err:{}}', async () => {
    const to = Math.floor(NOW_S / 60) * 60 - 600;
    const { status, body } = await get(`/spot/v1/historical/minutes?market=coinbase&instrument=BTC-USD&limit=5&to_ts=${to}`);
    expect(status).toBe(200);
    expect(body.Err).toEqual({});
    const data = body.Data as Array<Record<string, unknown>>;
    expect(data.map((d) => d.TIMESTAMP)).toEqual([to - 240, to - 180, to - 120, to - 60, to]);
    const c = sim.context.market.candle('coinbase', 'BTC-USD', '1m', to * 1000, NOW);
    expect(data[4]).toMatchObject({ UNIT: 'MINUTE', MARKET: 'coinbase', INSTRUMENT: 'BTC-USD', OPEN: c.open, HIGH: c.high, LOW: c.low, CLOSE: c.close, VOLUME: c.volumefrom, QUOTE_VOLUME: c.volumeto, TOTAL_TRADES: c.trades });
  });

  it('fill=false leaves out periods without trades; index/cc serves cadli; days accept limit 5000', async () => {
    const filled = (await get('/spot/v1/historical/minutes?market=kraken&instrument=ETH-USD&limit=2000&to_ts=' + (NOW_S - 3600))).body.Data as Array<Record<string, number>>;
    const sparse = (await get('/spot/v1/historical/minutes?market=kraken&instrument=ETH-USD&limit=2000&fill=false&to_ts=' + (NOW_S - 3600))).body.Data as Array<Record<string, number>>;
    const empty = filled.filter((d) => d.VOLUME === 0).length;
    expect(empty).toBeGreaterThan(0);
    expect(sparse).toHaveLength(filled.length - empty);
    expect(filled.find((d) => d.VOLUME === 0)).not.toHaveProperty('FIRST_TRADE_TIMESTAMP');
    const index = (await get('/index/cc/v1/historical/hours?market=cadli&instrument=BTC-USD&limit=2')).body.Data as Array<Record<string, unknown>>;
    expect(index[1]).toMatchObject({ MARKET: 'cadli', CLOSE: sim.context.market.candle('cccagg', 'BTC-USD', '1h', Math.floor(NOW / 3_600_000) * 3_600_000, NOW).close });
    // Days accept up to 5000 (a window before ETH listed, so the answer is empty rather than expensive).
    const days = await get(`/spot/v1/historical/days?market=coinbase&instrument=ETH-USD&limit=5000&to_ts=${Date.UTC(2014, 0, 1) / 1000}`);
    expect(days.status).toBe(200);
    expect(days.body).toEqual({ Data: [], Err: {} });
    expect((await get('/spot/v1/historical/days?market=coinbase&instrument=ETH-USD&limit=5001')).status).toBe(400);
  });

  it('errors use real HTTP statuses and {Data:{},Err:{type,message,other_info}}', async () => {
    const market = await get('/spot/v1/historical/hours?market=nowhere&instrument=BTC-USD');
    expect(market.status).toBe(400);
    expect(market.body).toMatchObject({ Data: {}, Err: { type: 1, other_info: { param: 'market', values: ['nowhere'] } } });
    expect((await get('/spot/v1/historical/hours?market=coinbase&instrument=DOGE-XYZ')).status).toBe(404);
    expect((await get('/spot/v1/historical/hours?market=coinbase&instrument=BTC-USD&limit=2001')).status).toBe(400);
    expect((await get('/spot/v1/historical/hours?instrument=BTC-USD')).body).toMatchObject({ Err: { other_info: { param: 'market' } } });
  });
});

describe('rate limits, auth, faults', () => {
  it('counts calls per key over five windows, reports them in headers and /stats/rate/limit, then refuses with Type 99', async () => {
    const limited = await startSimulator({ port: 0, clock: manualClock(NOW + 400), rateLimits: { second: 3 } });
    try {
      const first = await get('/data/all/coinlist', { Authorization: 'Apikey alpha' }, limited.restUrl);
      expect(first.headers.get('x-ratelimit-remaining-all')).toBe('49999, 2;window=1, 299;window=60, 2999;window=3600, 7499;window=86400, 49999;window=2592000');
      expect(first.headers.get('x-ratelimit-reset-all')).toMatch(/^\d+, 1;window=1, \d+;window=60, \d+;window=3600, \d+;window=86400, \d+;window=2592000$/);
      await get('/data/all/coinlist?api_key=alpha', {}, limited.restUrl);
      await get('/data/all/coinlist', { Authorization: 'Apikey alpha' }, limited.restUrl);
      const refused = await get('/data/v2/histoday?fsym=BTC&tsym=USD', { Authorization: 'Apikey alpha' }, limited.restUrl);
      expect(refused.status).toBe(200);
      expect(refused.body).toMatchObject({ Response: 'Error', Type: 99, Message: 'You are over your rate limit please upgrade your account!', RateLimit: { calls_made: { second: 4, minute: 4 }, max_calls: { second: 3, minute: 300 } } });
      expect(refused.body.Cooldown).toBe(1);
      // Another key has its own budget; the stats endpoint does not count.
      expect((await get('/data/all/coinlist', { Authorization: 'Apikey beta' }, limited.restUrl)).body.Response).toBe('Success');
      const stats = await get('/stats/rate/limit', { Authorization: 'Apikey alpha' }, limited.restUrl);
      expect(stats.body).toMatchObject({ Response: 'Success', Data: { calls_made: { second: 4, month: 4, total_calls: 4 }, calls_left: { second: 0, minute: 296 } } });
      const dataApi = await get('/spot/v1/historical/hours?market=coinbase&instrument=BTC-USD', { Authorization: 'Apikey alpha' }, limited.restUrl);
      expect(dataApi.status).toBe(429);
      expect(dataApi.body).toMatchObject({ Data: {}, Err: { type: 99 } });
    } finally {
      await limited.stop();
    }
  });

  it('faults: http429 and type99 rate limits, switchable at runtime', async () => {
    sim.context.faults.rateLimit = 'http429';
    const a = await get('/data/v2/histoday?fsym=BTC&tsym=USD');
    expect(a.status).toBe(429);
    expect(a.body).toMatchObject({ Type: 99, Response: 'Error' });
    sim.context.faults.rateLimit = 'type99';
    const b = await get('/data/v2/histoday?fsym=BTC&tsym=USD');
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ Type: 99 });
    sim.context.faults.rateLimit = 'none';
    expect((await get('/data/v2/histoday?fsym=BTC&tsym=USD')).body.Response).toBe('Success');
  });

  it('faults: gaps drop and duplicates repeat closed buckets, deterministically', async () => {
    sim.context.faults.gaps = 0.2;
    const gapped = ((await get('/data/v2/histominute?fsym=BTC&tsym=USD&limit=200')).body as unknown as V2).Data.Data;
    const again = ((await get('/data/v2/histominute?fsym=BTC&tsym=USD&limit=200')).body as unknown as V2).Data.Data;
    expect(gapped.length).toBeLessThan(190);
    expect(again).toEqual(gapped);
    sim.context.faults.gaps = 0;
    sim.context.faults.duplicates = 0.2;
    const duplicated = ((await get('/data/v2/histominute?fsym=BTC&tsym=USD&limit=200')).body as unknown as V2).Data.Data;
    expect(duplicated.length).toBeGreaterThan(210);
    expect(new Set(duplicated.map((c) => c.time)).size).toBe(201);
    sim.context.faults.duplicates = 0;
  });

  it('API keys: required when configured (header or api_key), 401 otherwise for both APIs', async () => {
    const locked = await startSimulator({ port: 0, apiKeys: ['good-key'] });
    try {
      expect((await get('/data/all/coinlist', { Authorization: 'Apikey good-key' }, locked.restUrl)).status).toBe(200);
      expect((await get('/data/all/coinlist?api_key=good-key', {}, locked.restUrl)).status).toBe(200);
      const min = await get('/data/all/coinlist', { Authorization: 'Apikey bad-key' }, locked.restUrl);
      expect(min.status).toBe(401);
      expect(min.body).toMatchObject({ Response: 'Error' });
      const data = await get('/spot/v1/historical/hours?market=coinbase&instrument=BTC-USD', {}, locked.restUrl);
      expect(data.status).toBe(401);
      expect(data.body).toMatchObject({ Data: {}, Err: { type: 1 } });
    } finally {
      await locked.stop();
    }
  });
});

describe('replay mode and CLI', () => {
  it('DIR/NAME.json answers path NAME whatever the query; other paths are simulated', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-replay-'));
    const replaying = await startSimulator({ port: 0, replayDir: dir });
    try {
      await writeFile(join(dir, 'data_v2_histominute.json'), '{"Response":"Success","Data":{"Data":[]},"Recorded":true}');
      expect((await get('/data/v2/histominute?fsym=ANY&tsym=THING', {}, replaying.restUrl)).body).toMatchObject({ Recorded: true });
      expect((await get('/data/v2/histominute', {}, replaying.restUrl)).body).toMatchObject({ Recorded: true });
      expect((await get('/data/v2/histohour?fsym=BTC&tsym=USD&limit=1', {}, replaying.restUrl)).body).toMatchObject({ Response: 'Success', Type: 100 });
    } finally {
      await replaying.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('npm run simulator: prints the URLs, serves, and stops cleanly on SIGTERM', async () => {
    const cli = fileURLToPath(new URL('../../scripts/engines/simulator/cli.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const child = spawn(tsx, [cli, '--port', '0', '--seed', '9', '--symbols', 'BTC-USD', '--speed', '60', '--fault-gaps', '0.01', '--fault-rate-limit', 'none', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const rest = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /REST (http:\/\/\S+)/.exec(out);
        if (m && /WS {3}ws:\/\/\S+\/v2/.test(out)) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`simulator exited early (${code}): ${out}`)));
    });
    expect((await get('/data/v2/histoday?fsym=BTC&tsym=USD&limit=1', {}, rest)).body).toMatchObject({ Response: 'Success' });
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('the CLI refuses bad flags with a clear message and exit code 2', async () => {
    const cli = fileURLToPath(new URL('../../scripts/engines/simulator/cli.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const child = spawn(tsx, [cli, '--fault-gaps', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('--fault-gaps must be a number between 0 and 1');
  });
});
