import type { SimCandle, SimulatorContext } from '../context.ts';
import { applyRestFaults, candlePage, STEP_MS, type Unit } from './series.ts';
import { dataApiError, ok, type RestReply } from './reply.ts';

/** The Data API: /spot/v1/historical/{minutes,hours,days} and /index/cc/v1/historical/{...}: `{Data:[...],Err:{}}`, real HTTP statuses on errors. */

const UNIT_NAME: Readonly<Record<Unit, string>> = { minute: 'MINUTE', hour: 'HOUR', day: 'DAY' };
const INDEX_MARKETS = new Set(['cadli', 'ccix', 'cccagg']);

function spotEntry(c: SimCandle, unit: Unit, market: string, instrument: string) {
  const [base = instrument, quote = ''] = instrument.split('-');
  const ts = c.time / 1000;
  const traded = c.volumefrom > 0;
  const buys = Math.round(c.trades / 2);
  return {
    UNIT: UNIT_NAME[unit], TIMESTAMP: ts, TYPE: '952', MARKET: market, INSTRUMENT: instrument, MAPPED_INSTRUMENT: instrument,
    BASE: base, QUOTE: quote, BASE_ID: 1, QUOTE_ID: 5, TRANSFORM_FUNCTION: '',
    OPEN: c.open, HIGH: c.high, LOW: c.low, CLOSE: c.close,
    // Trade-level fields only exist when the period had trades.
    ...(traded ? {
      FIRST_TRADE_TIMESTAMP: ts, LAST_TRADE_TIMESTAMP: ts + STEP_MS[unit] / 1000 - 1,
      FIRST_TRADE_PRICE: c.open, HIGH_TRADE_PRICE: c.high, HIGH_TRADE_TIMESTAMP: ts, LOW_TRADE_PRICE: c.low, LOW_TRADE_TIMESTAMP: ts, LAST_TRADE_PRICE: c.close,
    } : {}),
    TOTAL_TRADES: c.trades, TOTAL_TRADES_BUY: buys, TOTAL_TRADES_SELL: c.trades - buys, TOTAL_TRADES_UNKNOWN: 0,
    VOLUME: c.volumefrom, QUOTE_VOLUME: c.volumeto,
    VOLUME_BUY: c.volumefrom / 2, VOLUME_SELL: c.volumefrom / 2, VOLUME_UNKNOWN: 0,
    QUOTE_VOLUME_BUY: c.volumeto / 2, QUOTE_VOLUME_SELL: c.volumeto / 2, QUOTE_VOLUME_UNKNOWN: 0,
  };
}

function indexEntry(c: SimCandle, unit: Unit, market: string, instrument: string) {
  return {
    UNIT: UNIT_NAME[unit], TIMESTAMP: c.time / 1000, TYPE: '267', MARKET: market, INSTRUMENT: instrument,
    OPEN: c.open, HIGH: c.high, LOW: c.low, CLOSE: c.close, VOLUME: c.volumefrom, QUOTE_VOLUME: c.volumeto, TOTAL_INDEX_UPDATES: c.trades,
  };
}

export function dataApiHistorical(ctx: SimulatorContext, seed: number, kind: 'spot' | 'index', unit: Unit, q: URLSearchParams): RestReply {
  const market = q.get('market')?.toLowerCase() ?? '';
  const instrument = q.get('instrument')?.toUpperCase() ?? '';
  if (market.length < 2) return dataApiError(400, 1, 'Missing: market parameter. Please send a valid market.', 'market', []);
  if (instrument.length < 1) return dataApiError(400, 1, 'Missing: instrument parameter. Please send a valid instrument.', 'instrument', []);
  const known = kind === 'index' ? INDEX_MARKETS.has(market) : market !== 'cccagg' && ctx.market.exchanges.includes(market);
  if (!known) {
    const list = kind === 'index' ? 'https://data-api.cryptocompare.com/index/cc/v1/markets' : 'https://data-api.cryptocompare.com/spot/v1/markets';
    return dataApiError(400, 1, `Not found: market parameter. Value ${market} not integrated yet. We list all markets in lowercase and transform the parameter sent, make sure you check the ${list} endpoint for a list of all the supported markets`, 'market', [market]);
  }
  if (!ctx.market.symbols.includes(instrument)) {
    return dataApiError(404, 2, `Not found: instrument parameter. Value ${instrument} not integrated yet on ${market}.`, 'instrument', [instrument]);
  }
  const maxLimit = unit === 'day' ? 5000 : 2000;
  const limitRaw = q.get('limit');
  const limit = limitRaw === null ? 30 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
    return dataApiError(400, 1, `Out of range: limit parameter. Value ${limitRaw} is not between 1 and ${maxLimit}.`, 'limit', [String(limitRaw)]);
  }
  const aggregateRaw = Number(q.get('aggregate') ?? '1');
  if (!Number.isInteger(aggregateRaw) || aggregateRaw < 1 || aggregateRaw > 30) {
    return dataApiError(400, 1, `Out of range: aggregate parameter. Value ${q.get('aggregate')} is not between 1 and 30.`, 'aggregate', [String(q.get('aggregate'))]);
  }
  const now = ctx.clock.now();
  const toTsRaw = q.get('to_ts');
  const toMs = toTsRaw === null ? now : Number(toTsRaw) * 1000;
  if (!Number.isFinite(toMs)) return dataApiError(400, 1, `Bad request: to_ts parameter. Value ${toTsRaw} is not a unix timestamp in seconds.`, 'to_ts', [String(toTsRaw)]);
  const fill = !['false', '0'].includes(q.get('fill') ?? 'true');
  const exchange = kind === 'index' ? 'cccagg' : market;
  const page = candlePage(ctx.market, { exchange, symbol: instrument, unit, aggregate: aggregateRaw, count: limit, toMs, now });
  const served = applyRestFaults(page, ctx.faults, seed, `${exchange}|${instrument}`, now, STEP_MS[unit] * aggregateRaw)
    // The Data API has no rows before the instrument listed; fill=false also leaves out periods without trades.
    .filter((c) => !(c.open === 0 && c.close === 0) && (fill || c.volumefrom > 0));
  const entries = served.map((c) => (kind === 'index' ? indexEntry(c, unit, market, instrument) : spotEntry(c, unit, market, instrument)));
  return ok({ Data: entries, Err: {} });
}
