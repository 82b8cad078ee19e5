import { normalizeExchange, normalizeSymbol, secondsToMs, TIMEFRAME_MS, type Timeframe } from '../../../../schemas/common.ts';
import type { GapMetadata } from '../../../../schemas/market-metadata.ts';
import { checkOhlcvMessage } from '../../../../schemas/fast/index.ts';
import type { CandleState, OhlcvMessage, QualityFlag } from '../../../../schemas/ohlcv.ts';
import { numberField, stringField, UNIT_TIMEFRAME, type CandleUnit } from './protocol.ts';

/** The values of one TYPE 24 frame that make a candle; two frames with equal values are duplicates. */
interface CandleValues {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number;
  trades: number | null;
}

interface Known {
  values: CandleValues;
  revision: number;
}

export type CandleOutput = { kind: 'candle'; candle: OhlcvMessage } | { kind: 'gap'; gap: GapMetadata } | { kind: 'invalid'; reason: string };

/** Closed candles kept for revision/duplicate checks: more than any revision window (30 m, 24 H, 7 D). */
const KEEP_CLOSED = 64;

function valuesOf(frame: Record<string, unknown>): CandleValues | null {
  const open = numberField(frame.OPEN);
  const high = numberField(frame.HIGH);
  const low = numberField(frame.LOW);
  const close = numberField(frame.CLOSE);
  const volume = numberField(frame.VOLUMEFROM);
  const quoteVolume = numberField(frame.VOLUMETO);
  if (open === undefined || high === undefined || low === undefined || close === undefined || volume === undefined || quoteVolume === undefined) return null;
  return { open, high, low, close, volume, quoteVolume, trades: numberField(frame.TOTALTRADES) ?? null };
}

function sameValues(a: CandleValues, b: CandleValues): boolean {
  return a.open === b.open && a.high === b.high && a.low === b.low && a.close === b.close && a.volume === b.volume && a.quoteVolume === b.quoteVolume && a.trades === b.trades;
}

/** Trades and volume only grow within a period, so an update with less of both is an older one delivered late. */
function isOlder(incoming: CandleValues, known: CandleValues): boolean {
  return incoming.trades !== null && known.trades !== null && incoming.trades < known.trades && incoming.volume <= known.volume;
}

/**
 * Turns one TYPE 24 subscription's frames into candles with a lifecycle: `forming` while the period is open, `closed`
 * once a later period starts, `revised` (revision + 1) when an update for a closed period changes it. Identical frames
 * are suppressed, skipped periods are reported as gaps, and a reconnect (`suspend`) reports what it missed.
 */
export class CandleTracker {
  private readonly timeframe: Timeframe;
  private readonly step: number;
  private exchange: string | undefined;
  private symbol: string | undefined;
  private forming: { ts: number; values: CandleValues } | null = null;
  private readonly closed = new Map<number, Known>();
  private lastClosedTs: number | null = null;
  private suspended = false;

  constructor(
    unit: CandleUnit,
    private readonly options: { source: 'cryptocompare' | 'simulator'; now: () => number },
  ) {
    this.timeframe = UNIT_TIMEFRAME[unit];
    this.step = TIMEFRAME_MS[this.timeframe];
  }

  /** The socket went away: the forming candle's final values will never arrive on this stream. */
  suspend(): void {
    this.suspended = true;
  }

  handle(frame: Record<string, unknown>): CandleOutput[] {
    const tsSeconds = numberField(frame.TS);
    const values = valuesOf(frame);
    const market = stringField(frame.MARKET);
    const from = stringField(frame.FROMSYMBOL);
    const to = stringField(frame.TOSYMBOL);
    if (tsSeconds === undefined || values === null || market === undefined || from === undefined || to === undefined) {
      return [{ kind: 'invalid', reason: 'TYPE 24 frame lacks TS, MARKET, FROMSYMBOL, TOSYMBOL or an OHLCV field' }];
    }
    this.exchange = normalizeExchange(market);
    this.symbol = normalizeSymbol(`${from}-${to}`);
    const ts = secondsToMs(tsSeconds);
    const out: CandleOutput[] = [];

    if (this.forming !== null && ts === this.forming.ts) {
      this.suspended = false;
      if (sameValues(values, this.forming.values) || isOlder(values, this.forming.values)) return out;
      this.forming.values = values;
      out.push(this.emit(ts, values, 'forming', 0, []));
      return out;
    }

    if ((this.forming !== null && ts < this.forming.ts) || (this.lastClosedTs !== null && ts <= this.lastClosedTs)) return this.older(ts, values);

    // A later period started: close the forming one (unless the socket dropped before its final values arrived).
    let expected: number | null = this.lastClosedTs === null ? null : this.lastClosedTs + this.step;
    if (this.forming !== null) {
      if (this.suspended) {
        expected = this.forming.ts;
      } else {
        out.push(this.close(this.forming.ts, this.forming.values));
        expected = this.forming.ts + this.step;
      }
    }
    const flags: QualityFlag[] = [];
    let gapBeforeMs: number | undefined;
    if (expected !== null && ts > expected) {
      out.push({ kind: 'gap', gap: this.gap(expected, ts - this.step, this.suspended ? 'reconnect' : 'source_gap') });
      flags.push('gap_before');
      gapBeforeMs = ts - expected;
    }
    this.suspended = false;
    this.forming = { ts, values };
    out.push(this.emit(ts, values, 'forming', 0, flags, gapBeforeMs));
    return out;
  }

  /** An update for a period before the forming one: a revision of a closed candle, or one never seen (out of order). */
  private older(ts: number, values: CandleValues): CandleOutput[] {
    const known = this.closed.get(ts);
    if (known === undefined) {
      this.remember(ts, { values, revision: 0 });
      return [this.emit(ts, values, 'closed', 0, ['out_of_order'])];
    }
    if (sameValues(values, known.values) || isOlder(values, known.values)) return [];
    const revision = known.revision + 1;
    this.remember(ts, { values, revision });
    return [this.emit(ts, values, 'revised', revision, ['late_revision'])];
  }

  private close(ts: number, values: CandleValues): CandleOutput {
    this.remember(ts, { values, revision: 0 });
    this.lastClosedTs = Math.max(this.lastClosedTs ?? ts, ts);
    return this.emit(ts, values, 'closed', 0, []);
  }

  private remember(ts: number, known: Known): void {
    this.closed.set(ts, known);
    if (this.closed.size > KEEP_CLOSED) {
      const oldest = Math.min(...this.closed.keys());
      this.closed.delete(oldest);
    }
  }

  private gap(from: number, to: number, reason: GapMetadata['reason']): GapMetadata {
    return { kind: 'gap', exchange: this.exchange as string, symbol: this.symbol as string, timeframe: this.timeframe, from, to, reason, detectedAt: this.options.now() };
  }

  private emit(ts: number, v: CandleValues, state: CandleState, revision: number, flags: QualityFlag[], gapBeforeMs?: number): CandleOutput {
    const allFlags = [...flags];
    if (v.open === 0 && v.high === 0 && v.low === 0 && v.close === 0) allFlags.push('pre_listing_padding');
    else if (v.volume === 0 && (v.trades ?? 0) === 0) allFlags.push('zero_volume_fill');
    if (state === 'forming' && (v.high < Math.max(v.open, v.close, v.low) || v.low > Math.min(v.open, v.close))) allFlags.push('inconsistent_forming');
    const level = allFlags.some((f) => f === 'pre_listing_padding' || f === 'inconsistent_forming') ? 'low' : allFlags.length > 0 ? 'medium' : 'high';
    const candle = {
      schemaVersion: 1 as const,
      source: this.options.source,
      exchange: this.exchange as string,
      symbol: this.symbol as string,
      timeframe: this.timeframe,
      timestamp: ts,
      open: v.open,
      high: v.high,
      low: v.low,
      close: v.close,
      volume: v.volume,
      quoteVolume: v.quoteVolume,
      trades: v.trades,
      state,
      revision,
      receivedAt: this.options.now(),
      transport: 'websocket' as const,
      conversion: { type: 'direct' as const, symbol: '' },
      quality: gapBeforeMs === undefined ? { flags: allFlags, level } : { flags: allFlags, level, gapBeforeMs },
    };
    const checked = checkOhlcvMessage(candle);
    if (!checked.ok) return { kind: 'invalid', reason: `TYPE 24 frame for ${candle.symbol} at ${ts} is not a valid candle: ${checked.issues[0]?.message ?? 'unknown'}` };
    return { kind: 'candle', candle: checked.value };
  }
}
