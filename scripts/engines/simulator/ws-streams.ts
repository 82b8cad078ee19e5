import { bucketStart, TIMEFRAME_MS, type Timeframe } from '../../../schemas/common.ts';
import { marketName, UNIT_TIMEFRAME, type CandleUnit } from '../../../functions/lib/cryptocompare/ws/protocol.ts';
import type { Faults, Market, SimCandle } from './context.ts';
import { MAX_REVISION_DELAY_MS } from './market.ts';
import { candleFrame, tradeFrame, type Frame, type Pair, type TradeExtremes } from './ws-frames.ts';

/** One subscription's producer: a snapshot on subscribe, then whatever changed on each tick (simulated `now`). */
export interface Stream {
  start(now: number): Frame[];
  tick(now: number, faults: Faults, random: () => number): Frame[];
}

export interface StreamTarget {
  market: Market;
  /** Exchange id as the market model knows it (lower case). */
  exchange: string;
  /** `BASE-QUOTE`. */
  symbol: string;
}

function pairOf(t: StreamTarget): Pair {
  const [base = '', quote = ''] = t.symbol.split('-');
  return { market: marketName(t.exchange), base, quote };
}

const MINUTE = 60_000;
/** CryptoCompare: "hourly and daily data are updated every 5 minutes" (minute candles on every change here). */
const SLOW_UPDATE_MS = 5 * MINUTE;
/** Whole periods replayed after a pause (e.g. a stall) before the stream simply jumps to the present. */
const MAX_CATCH_UP = 30;

function candleKey(c: SimCandle): string {
  return `${c.open}|${c.high}|${c.low}|${c.close}|${c.volumefrom}|${c.volumeto}|${c.trades}`;
}

/**
 * TYPE 24: I on subscribe and for a new empty period, A for a new period with trades, U for changes of a period the
 * client knows, including late revisions of closed periods (found by re-reading them while they can still change).
 */
export class CandleStream implements Stream {
  private readonly timeframe: Timeframe;
  private readonly step: number;
  private readonly pair: Pair;
  private current = 0;
  private currentKey = '';
  /** Simulated time the forming period was last sent, for the hour/day update cadence. */
  private currentSentAt = 0;
  /** The current period was left out (gaps fault): nothing at all is sent for it. */
  private skipped = false;
  /** What the client last got for each recently closed period, to detect revisions. */
  private readonly closed = new Map<number, string>();

  constructor(private readonly target: StreamTarget, private readonly unit: CandleUnit) {
    this.timeframe = UNIT_TIMEFRAME[unit];
    this.step = TIMEFRAME_MS[this.timeframe];
    this.pair = pairOf(target);
  }

  start(now: number): Frame[] {
    this.current = bucketStart(now, this.timeframe);
    const c = this.candle(this.current, now);
    this.currentKey = candleKey(c);
    this.currentSentAt = now;
    return [this.frame('I', c, now)];
  }

  tick(now: number, faults: Faults, random: () => number): Frame[] {
    // Revisions first, so a withheld final value (revisions fault) is only sent on a later tick: late.
    const out = this.revisions(now);
    const b = bucketStart(now, this.timeframe);
    if (b === this.current) {
      if (this.skipped || (this.unit !== 'm' && now - this.currentSentAt < SLOW_UPDATE_MS)) return out;
      const c = this.candle(b, now);
      const key = candleKey(c);
      if (key !== this.currentKey) {
        this.currentKey = key;
        this.currentSentAt = now;
        out.push(this.frame('U', c, now));
      }
      return out;
    }
    const finals: Frame[] = [];
    if (!this.skipped) {
      const c = this.candle(this.current, now);
      const key = candleKey(c);
      const withhold = random() < faults.revisions;
      if (key !== this.currentKey && !withhold) {
        finals.push(this.frame('U', c, now));
        this.closed.set(this.current, key);
      } else {
        this.closed.set(this.current, this.currentKey);
      }
    }
    const opened: Frame[] = [];
    this.skipped = false;
    for (let t = Math.max(this.current + this.step, b - MAX_CATCH_UP * this.step); t <= b; t += this.step) {
      if (random() < faults.gaps) {
        if (t === b) this.skipped = true;
        continue;
      }
      const c = this.candle(t, now);
      opened.push(this.frame(c.trades > 0 ? 'A' : 'I', c, now));
      if (t < b) this.closed.set(t, candleKey(c));
      else {
        this.currentKey = candleKey(c);
        this.currentSentAt = now;
      }
    }
    this.current = b;
    const swap = random() < faults.outOfOrder;
    return [...out, ...(swap ? [...opened, ...finals] : [...finals, ...opened])];
  }

  private revisions(now: number): Frame[] {
    const out: Frame[] = [];
    for (const [t, key] of this.closed) {
      // Past the market's revision window a period never changes again.
      if (t + this.step + MAX_REVISION_DELAY_MS < now) {
        this.closed.delete(t);
        continue;
      }
      const c = this.candle(t, now);
      const fresh = candleKey(c);
      if (fresh !== key) {
        this.closed.set(t, fresh);
        out.push(this.frame('U', c, now));
      }
    }
    return out;
  }

  private candle(t: number, now: number): SimCandle {
    return this.target.market.candle(this.target.exchange, this.target.symbol, this.timeframe, t, now);
  }

  private frame(action: 'I' | 'A' | 'U', c: SimCandle, now: number): Frame {
    return candleFrame(this.pair, this.unit, action, c, c.trades > 0 ? this.extremes(c, now) : null);
  }

  /**
   * FIRST/LAST trade from the period's first and last traded minutes; MAX/MIN from all trades of minute candles and
   * from HIGH/LOW for hour/day candles (walking a day of trades on every update would cost more than it shows).
   */
  private extremes(c: SimCandle, now: number): TradeExtremes | null {
    const { market, exchange, symbol } = this.target;
    const end = Math.min(c.time + this.step - 1, now);
    const scan = Math.min(this.step / MINUTE, 60);
    let first;
    for (let i = 0; i < scan && first === undefined; i++) first = market.trades(exchange, symbol, c.time + i * MINUTE, Math.min(c.time + (i + 1) * MINUTE - 1, end))[0];
    let last;
    for (let i = 0; i < scan && last === undefined; i++) {
      const to = end - i * MINUTE;
      last = market.trades(exchange, symbol, Math.max(c.time, Math.floor(to / MINUTE) * MINUTE), to).at(-1);
    }
    if (first === undefined || last === undefined) return null;
    let maxPrice = c.high;
    let minPrice = c.low;
    if (this.step === MINUTE) {
      const prices = market.trades(exchange, symbol, c.time, end).map((t) => t.price);
      maxPrice = Math.max(...prices);
      minPrice = Math.min(...prices);
    }
    return { firstTs: first.time, lastTs: last.time, firstPrice: first.price, lastPrice: last.price, maxPrice, minPrice };
  }
}

/**
 * TYPE 5 (CCCAGG) and TYPE 2 (exchange ticker): a full snapshot on subscribe, then only the fields that changed,
 * always with the pair's identity and FLAGS (a number: 1 price up, 2 down, 4 unchanged).
 */
export class TickerStream implements Stream {
  private readonly pair: Pair;
  private last: Record<string, number | string> = {};

  constructor(private readonly target: StreamTarget, private readonly type: '5' | '2') {
    this.pair = pairOf(target);
  }

  start(now: number): Frame[] {
    this.last = this.fields(now);
    return [{ ...this.identity(), FLAGS: 4, ...this.last }];
  }

  tick(now: number): Frame[] {
    const fields = this.fields(now);
    const changed: Record<string, number | string> = {};
    for (const [k, v] of Object.entries(fields)) if (this.last[k] !== v) changed[k] = v;
    if (Object.keys(changed).length === 0) return [];
    const before = Number(this.last.PRICE);
    const after = Number(fields.PRICE);
    this.last = fields;
    return [{ ...this.identity(), FLAGS: after > before ? 1 : after < before ? 2 : 4, ...changed }];
  }

  private identity(): Frame {
    return { TYPE: this.type, MARKET: this.pair.market, FROMSYMBOL: this.pair.base, TOSYMBOL: this.pair.quote };
  }

  private fields(now: number): Record<string, number | string> {
    const { market, exchange, symbol } = this.target;
    const t = market.ticker(exchange, symbol, now);
    const hour = market.candle(exchange, symbol, '1h', bucketStart(now, '1h'), now);
    const fields: Record<string, number | string> = {
      PRICE: t.price,
      LASTUPDATE: Math.floor(t.lastUpdate / 1000),
      LASTVOLUME: t.lastVolume,
      LASTVOLUMETO: t.lastVolumeTo,
      LASTTRADEID: t.lastTradeId,
      VOLUMEDAY: t.volumeDay,
      VOLUMEDAYTO: t.volumeDayTo,
      VOLUME24HOUR: t.volume24h,
      VOLUME24HOURTO: t.volume24hTo,
      OPENDAY: t.openDay,
      HIGHDAY: t.highDay,
      LOWDAY: t.lowDay,
      OPEN24HOUR: t.open24h,
      HIGH24HOUR: t.high24h,
      LOW24HOUR: t.low24h,
      VOLUMEHOUR: hour.volumefrom,
      VOLUMEHOURTO: hour.volumeto,
      OPENHOUR: hour.open,
      HIGHHOUR: hour.high,
      LOWHOUR: hour.low,
    };
    if (this.type === '5') {
      const venues = market.exchanges.filter((e) => e !== 'cccagg');
      fields.MEDIAN = t.price;
      fields.LASTMARKET = marketName(venues[Number(t.lastTradeId) % Math.max(1, venues.length)] ?? 'cccagg');
      fields.TOPTIERVOLUME24HOUR = t.volume24h;
      fields.TOPTIERVOLUME24HOURTO = t.volume24hTo;
    }
    return fields;
  }
}

/** TYPE 0: the last 20 trades on subscribe, then every new trade in time order. */
export class TradeStream implements Stream {
  private readonly pair: Pair;
  private through = 0;

  constructor(private readonly target: StreamTarget) {
    this.pair = pairOf(target);
  }

  start(now: number): Frame[] {
    const { market, exchange, symbol } = this.target;
    this.through = now;
    return market.trades(exchange, symbol, now - 30 * MINUTE, now).slice(-20).map((t) => tradeFrame(this.pair, t, now));
  }

  tick(now: number): Frame[] {
    if (now <= this.through) return [];
    const { market, exchange, symbol } = this.target;
    // Trades are inclusive of both ends: start just after what was already sent.
    const trades = market.trades(exchange, symbol, this.through + 1, now);
    this.through = now;
    return trades.map((t) => tradeFrame(this.pair, t, now));
  }
}
