import type { SimCandle, SimTicker, SimulatorContext } from '../context.ts';
import { roundPrice, roundVolume } from '../market.ts';
import { applyRestFaults, candlePage, STEP_MS, type Unit } from './series.ts';
import { minApiError, ok, type RestReply } from './reply.ts';

/** The legacy min-api: /data/(v2/)histo*, /data/pricemultifull, /data/all/coinlist, /data/all/exchanges. */

const DEFAULT_LIMIT: Readonly<Record<Unit, number>> = { minute: 1440, hour: 168, day: 30 };
const MINUTE_DEPTH_MS = 7 * 86_400_000;
/** Quotes the simulator reaches from a listed X-USD pair by multiplying through USD (conversionType multiply): units per USD. */
const USD_RATES: Readonly<Record<string, number>> = { EUR: 0.92, GBP: 0.79, JPY: 150 };

const COIN_NAMES: Readonly<Record<string, string>> = { BTC: 'Bitcoin', ETH: 'Ethereum', SOL: 'Solana', XRP: 'XRP', DOGE: 'Dogecoin', ADA: 'Cardano', LTC: 'Litecoin', BNB: 'BNB' };

export function exchangeDisplayName(id: string): string {
  return id === 'cccagg' ? 'CCCAGG' : id.charAt(0).toUpperCase() + id.slice(1);
}

export interface ResolvedPair {
  exchange: string;
  symbol: string;
  /** The market series the prices come from, and the factor applied to its prices (1 when direct). */
  via: string;
  factor: number;
  conversion: { type: 'direct' | 'multiply'; symbol: string };
}

function convertCandle(c: SimCandle, factor: number): SimCandle {
  if (factor === 1) return c;
  const p = (x: number) => roundPrice(x * factor);
  return { ...c, open: p(c.open), high: p(c.high), low: p(c.low), close: p(c.close), volumeto: roundVolume(c.volumeto * factor) };
}

function convertTicker(t: SimTicker, factor: number): SimTicker {
  if (factor === 1) return t;
  const p = (x: number) => roundPrice(x * factor);
  return {
    ...t, price: p(t.price), open24h: p(t.open24h), high24h: p(t.high24h), low24h: p(t.low24h), openDay: p(t.openDay), highDay: p(t.highDay), lowDay: p(t.lowDay),
    volume24hTo: roundVolume(t.volume24hTo * factor), volumeDayTo: roundVolume(t.volumeDayTo * factor), lastVolumeTo: roundVolume(t.lastVolumeTo * factor),
  };
}

/** Finds the series behind (e, fsym, tsym) or the error the real service gives. */
export function resolvePair(ctx: SimulatorContext, e: string | null, fsym: string, tsym: string, tryConversion: boolean): ResolvedPair | RestReply {
  const exchange = (e ?? 'CCCAGG').toLowerCase();
  const symbol = `${fsym}-${tsym}`;
  const notExist = minApiError(`${exchange === 'cccagg' ? 'cccagg_or_exchange' : exchangeDisplayName(exchange)} market does not exist for this coin pair (${symbol})`, 2);
  if (!ctx.market.symbols.some((s) => s.startsWith(`${fsym}-`))) return minApiError(`There is no data for the symbol ${fsym} .`, 2, { ParamWithError: 'fsym' });
  if (!ctx.market.exchanges.includes(exchange)) return notExist;
  if (ctx.market.symbols.includes(symbol)) return { exchange, symbol, via: symbol, factor: 1, conversion: { type: 'direct', symbol: '' } };
  const rate = USD_RATES[tsym];
  if (tryConversion && rate !== undefined && ctx.market.symbols.includes(`${fsym}-USD`)) return { exchange, symbol, via: `${fsym}-USD`, factor: rate, conversion: { type: 'multiply', symbol: 'USD' } };
  return notExist;
}

function isReply(x: ResolvedPair | RestReply): x is RestReply {
  return 'status' in x;
}

function intParam(q: URLSearchParams, name: string): number | null {
  const raw = q.get(name);
  if (raw === null || raw === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

function histoEntry(c: SimCandle, conversion: ResolvedPair['conversion']) {
  return {
    time: c.time / 1000,
    high: c.high,
    low: c.low,
    open: c.open,
    volumefrom: c.volumefrom,
    volumeto: c.volumeto,
    close: c.close,
    conversionType: conversion.type,
    conversionSymbol: conversion.symbol,
  };
}

export function histo(ctx: SimulatorContext, seed: number, unit: Unit, version: 1 | 2, q: URLSearchParams): RestReply {
  const fsym = q.get('fsym')?.toUpperCase();
  const tsym = q.get('tsym')?.toUpperCase();
  if (!fsym) return minApiError('fsym param seems to be missing.', 2, { ParamWithError: 'fsym' });
  if (!tsym) return minApiError('tsym param seems to be missing.', 2, { ParamWithError: 'tsym' });
  const pair = resolvePair(ctx, q.get('e'), fsym, tsym, q.get('tryConversion') !== 'false');
  if (isReply(pair)) return pair;
  const now = ctx.clock.now();
  const aggregate = Math.min(30, Math.max(1, intParam(q, 'aggregate') ?? 1));
  let limit = Math.min(2000, Math.max(1, intParam(q, 'limit') ?? DEFAULT_LIMIT[unit]));
  // "If limit * aggregate > 2000 we reduce the limit."
  if (limit * aggregate > 2000) limit = Math.floor(2000 / aggregate);
  const toTs = intParam(q, 'toTs');
  const toMs = Math.min(now, toTs === null ? now : toTs * 1000);
  if (unit === 'minute' && toMs < now - MINUTE_DEPTH_MS) return minApiError(`Minute data for ${fsym}-${tsym} is only available for the last 7 days`, 2);
  const bucket = STEP_MS[unit] * aggregate;
  const page = candlePage(ctx.market, { exchange: pair.exchange, symbol: pair.via, unit, aggregate, count: limit + 1, toMs, now }).map((c) => convertCandle(c, pair.factor));
  const served = applyRestFaults(page, ctx.faults, seed, `${pair.exchange}|${pair.symbol}`, now, bucket);
  const data = served.map((c) => histoEntry(c, pair.conversion));
  const timeFrom = page[0]!.time / 1000;
  const timeTo = Math.floor(toMs / STEP_MS[unit]) * (STEP_MS[unit] / 1000);
  if (version === 2) {
    return ok({ Response: 'Success', Message: '', HasWarning: false, Type: 100, RateLimit: {}, Data: { Aggregated: aggregate > 1, TimeFrom: timeFrom, TimeTo: timeTo, Data: data } });
  }
  return ok({
    Response: 'Success', Type: 100, Aggregated: aggregate > 1, TimeTo: timeTo, TimeFrom: timeFrom, FirstValueInArray: true,
    ConversionType: { type: pair.conversion.type, conversionSymbol: pair.conversion.symbol }, Data: data, RateLimit: {}, HasWarning: false,
  });
}

function csv(q: URLSearchParams, name: string): string[] {
  return (q.get(name) ?? '').split(',').map((s) => s.trim().toUpperCase()).filter((s) => s.length > 0);
}

function display(quote: string, n: number): string {
  const sign = quote === 'USD' ? '$' : quote === 'EUR' ? '€' : quote;
  return `${sign} ${n.toLocaleString('en-US', { maximumFractionDigits: n >= 1 ? 2 : 8 })}`;
}

export function priceMultiFull(ctx: SimulatorContext, q: URLSearchParams): RestReply {
  const fsyms = csv(q, 'fsyms');
  const tsyms = csv(q, 'tsyms');
  if (fsyms.length === 0) return minApiError('fsyms param seems to be missing.', 2, { ParamWithError: 'fsyms' });
  if (tsyms.length === 0) return minApiError('tsyms param seems to be missing.', 2, { ParamWithError: 'tsyms' });
  const now = ctx.clock.now();
  const raw: Record<string, Record<string, Record<string, unknown>>> = {};
  const disp: Record<string, Record<string, Record<string, string>>> = {};
  for (const f of fsyms) {
    for (const t of tsyms) {
      const pair = resolvePair(ctx, q.get('e'), f, t, q.get('tryConversion') !== 'false');
      if (isReply(pair)) continue;
      const tk = convertTicker(ctx.market.ticker(pair.exchange, pair.via, now), pair.factor);
      const prev = convertCandle(ctx.market.candle(pair.exchange, pair.via, '1m', Math.floor(now / 60_000) * 60_000 - 60_000, now), pair.factor);
      // FLAGS: price up (1) / down (2) / unchanged (4) against the previous minute, median unchanged (0x800); a string in REST.
      const flags = (tk.price > prev.close ? 1 : tk.price < prev.close ? 2 : 4) | 0x800;
      const hour = convertCandle(ctx.market.candle(pair.exchange, pair.via, '1h', Math.floor(now / 3_600_000) * 3_600_000, now), pair.factor);
      const market = exchangeDisplayName(pair.exchange);
      const entry: Record<string, unknown> = {
        TYPE: '5', MARKET: market, FROMSYMBOL: f, TOSYMBOL: t, FLAGS: String(flags),
        PRICE: tk.price, LASTUPDATE: Math.floor(tk.lastUpdate / 1000), MEDIAN: tk.price,
        LASTVOLUME: tk.lastVolume, LASTVOLUMETO: tk.lastVolumeTo, LASTTRADEID: tk.lastTradeId,
        VOLUMEDAY: tk.volumeDay, VOLUMEDAYTO: tk.volumeDayTo, VOLUME24HOUR: tk.volume24h, VOLUME24HOURTO: tk.volume24hTo,
        OPENDAY: tk.openDay, HIGHDAY: tk.highDay, LOWDAY: tk.lowDay,
        OPEN24HOUR: tk.open24h, HIGH24HOUR: tk.high24h, LOW24HOUR: tk.low24h,
        LASTMARKET: pair.exchange === 'cccagg' ? exchangeDisplayName(ctx.market.exchanges.find((e) => e !== 'cccagg') ?? 'coinbase') : market,
        VOLUMEHOUR: hour.volumefrom, VOLUMEHOURTO: hour.volumeto, OPENHOUR: hour.open, HIGHHOUR: hour.high, LOWHOUR: hour.low,
        TOPTIERVOLUME24HOUR: tk.volume24h, TOPTIERVOLUME24HOURTO: tk.volume24hTo,
        CHANGE24HOUR: tk.price - tk.open24h, CHANGEPCT24HOUR: tk.open24h === 0 ? 0 : ((tk.price - tk.open24h) / tk.open24h) * 100,
        CHANGEDAY: tk.price - tk.openDay, CHANGEPCTDAY: tk.openDay === 0 ? 0 : ((tk.price - tk.openDay) / tk.openDay) * 100,
        CHANGEHOUR: tk.price - hour.open, CHANGEPCTHOUR: hour.open === 0 ? 0 : ((tk.price - hour.open) / hour.open) * 100,
        CONVERSIONTYPE: pair.conversion.type, CONVERSIONSYMBOL: pair.conversion.symbol,
        SUPPLY: 19_700_000, MKTCAP: tk.price * 19_700_000, CIRCULATINGSUPPLY: 19_700_000, CIRCULATINGSUPPLYMKTCAP: tk.price * 19_700_000,
        TOTALVOLUME24H: tk.volume24h, TOTALVOLUME24HTO: tk.volume24hTo, TOTALTOPTIERVOLUME24H: tk.volume24h, TOTALTOPTIERVOLUME24HTO: tk.volume24hTo,
        IMAGEURL: `/media/${f.toLowerCase()}.png`,
      };
      (raw[f] ??= {})[t] = entry;
      (disp[f] ??= {})[t] = {
        FROMSYMBOL: f, TOSYMBOL: t, MARKET: market, PRICE: display(t, tk.price), LASTUPDATE: 'Just now',
        OPEN24HOUR: display(t, tk.open24h), HIGH24HOUR: display(t, tk.high24h), LOW24HOUR: display(t, tk.low24h),
        CHANGEPCT24HOUR: (entry.CHANGEPCT24HOUR as number).toFixed(2),
      };
    }
  }
  if (Object.keys(raw).length === 0) return minApiError(`There is no data for any of the toSymbols ${tsyms.join(',')} .`, 2, { ParamWithError: 'tsyms' });
  return ok({ RAW: raw, DISPLAY: disp });
}

export function coinList(ctx: SimulatorContext): RestReply {
  const data: Record<string, unknown> = {};
  const bases = [...new Set(ctx.market.symbols.map((s) => s.split('-')[0] ?? s))];
  bases.forEach((base, i) => {
    const name = COIN_NAMES[base] ?? base;
    const listed = Math.min(...ctx.market.symbols.filter((s) => s.startsWith(`${base}-`)).map((s) => ctx.market.listedAt(s)));
    data[base] = {
      Id: String(1182 + i), Url: `/coins/${base.toLowerCase()}/overview`, ImageUrl: `/media/${base.toLowerCase()}.png`, ContentCreatedOn: Math.floor(listed / 1000),
      Name: base, Symbol: base, CoinName: name, FullName: `${name} (${base})`, Algorithm: 'N/A', ProofType: 'N/A', SortOrder: String(i + 1),
      Sponsored: false, IsTrading: true, TotalCoinsMined: 19_700_000, BlockNumber: 0, BlockTime: 0, BlockReward: 0,
    };
  });
  return ok({ Response: 'Success', Message: 'Coin list succesfully returned!', Data: data, BaseImageUrl: 'https://www.cryptocompare.com', BaseLinkUrl: 'https://www.cryptocompare.com', RateLimit: {}, HasWarning: false, Type: 100 });
}

/** exchange → fsym → [tsyms], without an envelope; the aggregate index is not an exchange. */
export function allExchanges(ctx: SimulatorContext): RestReply {
  const out: Record<string, Record<string, string[]>> = {};
  for (const e of ctx.market.exchanges) {
    if (e === 'cccagg') continue;
    const pairs: Record<string, string[]> = {};
    for (const s of ctx.market.symbols) {
      const [base = s, quote = ''] = s.split('-');
      (pairs[base] ??= []).push(quote);
    }
    out[exchangeDisplayName(e)] = pairs;
  }
  return ok(out);
}
