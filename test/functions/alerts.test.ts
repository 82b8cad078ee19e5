import { describe, expect, it } from 'vitest';
import { createAlertsApp } from '../../functions/alerts/app.ts';
import { cachedRules, staticRules, type RuleSource } from '../../functions/alerts/rule-source.ts';
import { computePatternBatch } from '../../functions/lib/patterns/index.ts';
import { canonicalJson, fnv1a } from '../../functions/alerts/ids.ts';
import { MemoryStateStore, seriesStateKey, type FiredKeys, type KeptBar } from '../../functions/lib/state/index.ts';
import { AlertRule, type AlertRuleInput } from '../../schemas/alert-rule.ts';
import { AlertEvent } from '../../schemas/alerts.ts';
import type { OhlcvMessage } from '../../schemas/ohlcv.ts';
import { candle, NOW, series } from './helpers/candles.ts';
import { postBatch, serveApp } from './helpers/runtimes.ts';

const base = { symbol: 'BTC-USD', timeframe: '1m' } as const;

/** Serves an alerts app with `rules`, hands a `send(batch) -> events per candle` to `fn`, and stops it. */
async function withAlerts(rules: AlertRuleInput[], fn: (send: (batch: OhlcvMessage[]) => Promise<AlertEvent[][]>) => Promise<void>, now = NOW): Promise<void> {
  const served = await serveApp(createAlertsApp({ state: new MemoryStateStore(), rules: staticRules(rules), clock: () => now }));
  try {
    await fn(async (batch) => {
      const answers = await postBatch<AlertEvent>(served.url, batch);
      return answers.map((a) => {
        if (!a.ok) throw new Error(a.deadLetter.message);
        return a.messages.map((m) => AlertEvent.parse(m));
      });
    });
  } finally {
    await served.stop();
  }
}
/** Index of each candle that produced at least one event. */
const firedAt = (events: AlertEvent[][]) => events.flatMap((e, i) => (e.length > 0 ? [i] : []));

describe('alerts: conditions', () => {
  it('price_cross fires on fresh crosses only, in the rule direction', async () => {
    await withAlerts([
      { ...base, id: 'up', condition: { type: 'price_cross', direction: 'up', level: 105 } },
      { ...base, id: 'down', condition: { type: 'price_cross', direction: 'down', level: 105 } },
      { ...base, id: 'any', condition: { type: 'price_cross', direction: 'any', level: 105 } },
    ], async (send) => {
      const events = await send(series([100, 104, 106, 107, 103, 102]));
      expect(events.map((e) => e.map((x) => x.ruleId))).toEqual([[], [], ['up', 'any'], [], ['down', 'any'], []]);
      const up = events[2]?.[0] as AlertEvent;
      expect(up).toMatchObject({ kind: 'alert', condition: 'close crosses above 105', price: 106, severity: 'info', evidence: { previousClose: 104, close: 106, level: 105, trigger: 'once_per_bar_close' } });
    });
  });

  it('price_threshold is a state: above / below on every bar that satisfies it', async () => {
    await withAlerts([
      { ...base, id: 'above', condition: { type: 'price_threshold', op: 'above', level: 105 } },
      { ...base, id: 'below', condition: { type: 'price_threshold', op: 'below', level: 101 } },
    ], async (send) => {
      const events = await send(series([100, 104, 106, 107, 103]));
      expect(events.map((e) => e.map((x) => x.ruleId))).toEqual([['below'], [], ['above'], ['above'], []]);
    });
  });

  it('percent_move compares with the close N bars before', async () => {
    await withAlerts([
      { ...base, id: 'up5in3', condition: { type: 'percent_move', direction: 'up', percent: 5, bars: 3 } },
      { ...base, id: 'down5in1', condition: { type: 'percent_move', direction: 'down', percent: 5, bars: 1 } },
    ], async (send) => {
      const events = await send(series([100, 101, 102, 105.5, 106, 100]));
      expect(events.map((e) => e.map((x) => x.ruleId))).toEqual([[], [], [], ['up5in3'], [], ['down5in1']]);
      expect(events[3]?.[0]?.evidence).toMatchObject({ referenceClose: 100, close: 105.5 });
    });
  });

  it('channel: entering and exiting are events, inside and outside are states', async () => {
    const channel = { lower: 100, upper: 110 };
    await withAlerts([
      { ...base, id: 'enter', condition: { type: 'channel', action: 'entering', ...channel } },
      { ...base, id: 'exit', condition: { type: 'channel', action: 'exiting', ...channel } },
      { ...base, id: 'inside', condition: { type: 'channel', action: 'inside', ...channel } },
      { ...base, id: 'outside', condition: { type: 'channel', action: 'outside', ...channel } },
    ], async (send) => {
      const events = await send(series([95, 102, 108, 112, 113]));
      expect(events.map((e) => e.map((x) => x.ruleId))).toEqual([['outside'], ['enter', 'inside'], ['inside'], ['exit', 'outside'], ['outside']]);
    });
  });

  it('volume_spike compares with the mean volume of the previous closed bars, once the baseline is full', async () => {
    await withAlerts([{ ...base, id: 'spike', condition: { type: 'volume_spike', multiplier: 3, baselineBars: 4 } }], async (send) => {
      const bars = series([100, 100, 100, 100, 100, 100, 100]).map((c, i) => ({ ...c, volume: [50, 10, 10, 10, 10, 35, 20][i] as number }));
      const events = await send(bars);
      expect(firedAt(events)).toEqual([5]);
      expect(events[5]?.[0]?.evidence).toMatchObject({ volume: 35, baseline: 10, ratio: 3.5 });
    });
  });

  it('indicator_cross against a value and against another output, and indicator_threshold', async () => {
    const withInd = (c: OhlcvMessage, rsi: number | null, macd: number, signal: number): OhlcvMessage => ({
      ...c,
      indicators: {
        RSI: { values: { rsi }, provenance: { method: 'ta-lib:RSI', params: { period: 14 }, lookback: 14, consumed: 30, stable: true, convention: 'ta-lib' }, provisional: false },
        MACD: { values: { macd, signal, hist: macd - signal }, provenance: { method: 'ta-lib:MACD', params: {}, lookback: 33, consumed: 40, stable: true, convention: 'ta-lib' }, provisional: false },
      },
    });
    await withAlerts([
      { ...base, id: 'rsi-up-30', condition: { type: 'indicator_cross', direction: 'up', series: { indicator: 'RSI', output: 'rsi' }, value: 30 } },
      { ...base, id: 'macd-x', condition: { type: 'indicator_cross', direction: 'any', series: { indicator: 'MACD', output: 'macd' }, other: { indicator: 'MACD', output: 'signal' } } },
      { ...base, id: 'rsi-hot', condition: { type: 'indicator_threshold', series: { indicator: 'RSI', output: 'rsi' }, op: 'above', value: 70 } },
    ], async (send) => {
      const bars = series([100, 101, 102, 103, 104]);
      const rows: Array<[number | null, number, number]> = [[null, -1, 0], [25, -1, 0], [35, 1, 0], [75, 2, 1], [60, 0.5, 1]];
      const events = await send(bars.map((c, i) => withInd(c, ...(rows[i] as [number | null, number, number]))));
      expect(events.map((e) => e.map((x) => x.ruleId))).toEqual([[], [], ['rsi-up-30', 'macd-x'], ['rsi-hot'], ['macd-x']]);
      expect(events[2]?.[1]?.condition).toBe('MACD.macd crosses MACD.signal');
    });
  });

  it('pattern fires when the TA-Lib pattern completes, matching the library, with the requested direction', async () => {
    const closes = [...Array.from({ length: 14 }, (_, i) => 100 + (i % 2 === 0 ? 0.5 : -0.5)), 96, 103];
    const bars = series(closes);
    // A bearish candle then a bullish candle whose body engulfs it.
    bars[14] = { ...(bars[14] as OhlcvMessage), open: 100, close: 96, high: 100.2, low: 95.8 };
    bars[15] = { ...(bars[15] as OhlcvMessage), open: 95.5, close: 103, high: 103.2, low: 95.3 };
    const reference = computePatternBatch('CDLENGULFING', bars.map((c) => ({ time: c.timestamp, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume })));
    expect(reference[15]).toBeGreaterThan(0);
    await withAlerts([
      { ...base, id: 'bull', condition: { type: 'pattern', pattern: 'CDLENGULFING', direction: 'bullish' } },
      { ...base, id: 'bear', condition: { type: 'pattern', pattern: 'CDLENGULFING', direction: 'bearish' } },
    ], async (send) => {
      const events = await send(bars);
      const expected = Array.from(reference).flatMap((v, i) => (v > 0 ? [i] : []));
      expect(firedAt(events.map((e) => e.filter((x) => x.ruleId === 'bull')))).toEqual(expected);
      expect(events[15]?.[0]).toMatchObject({ ruleId: 'bull', condition: 'CDLENGULFING (bullish)', evidence: { pattern: 'CDLENGULFING', value: reference[15] } });
      expect(events.flat().filter((x) => x.ruleId === 'bear').map((x) => x.at)).toEqual(Array.from(reference).flatMap((v, i) => (v < 0 ? [bars[i]?.timestamp] : [])));
    });
  });
});

describe('alerts: trigger modes, expiry and idempotency', () => {
  const above = { type: 'price_threshold', op: 'above', level: 50 } as const;

  it('once fires the first time only, even across batches', async () => {
    await withAlerts([{ ...base, id: 'once', condition: above, trigger: { mode: 'once' } }], async (send) => {
      const bars = series([100, 101, 102, 103]);
      expect(firedAt(await send(bars.slice(0, 2)))).toEqual([0]);
      expect(firedAt(await send(bars.slice(2)))).toEqual([]);
    });
  });

  it('once_per_bar fires on a forming update and not again when that bar closes; the next bar fires again', async () => {
    await withAlerts([{ ...base, id: 'bar', condition: above, trigger: { mode: 'once_per_bar' } }], async (send) => {
      const forming = candle({ state: 'forming' }, 0);
      const events = await send([candle({}, 1), forming, { ...forming, close: 101.2, revision: 1 }]);
      expect(firedAt(events)).toEqual([0, 1]);
      expect(events[1]?.[0]?.evidence).toMatchObject({ candleState: 'forming' });
      expect(firedAt(await send([{ ...forming, state: 'closed', revision: 2 }]))).toEqual([]);
    }, NOW + 30_000);
  });

  it('once_per_bar_close ignores forming candles and fires when the bar closes', async () => {
    await withAlerts([{ ...base, id: 'close', condition: above, trigger: { mode: 'once_per_bar_close' } }], async (send) => {
      const forming = candle({ state: 'forming' }, 0);
      expect(firedAt(await send([forming, { ...forming, revision: 1, close: 101.5 }]))).toEqual([]);
      expect(firedAt(await send([{ ...forming, state: 'closed', revision: 2 }]))).toEqual([0]);
    }, NOW + 30_000);
  });

  it('once_per_interval fires at most once per interval of candle time', async () => {
    await withAlerts([{ ...base, id: 'every5m', condition: above, trigger: { mode: 'once_per_interval', intervalMs: 300_000 } }], async (send) => {
      // 12 consecutive 1m bars 11:48..11:59 cover the 5-minute buckets 11:45 (2 bars), 11:50 (5) and 11:55 (5).
      const events = await send(series(Array.from({ length: 12 }, () => 100)));
      expect(firedAt(events)).toEqual([0, 2, 7]);
    });
  });

  it('does not fire expired or inactive rules, and honours the exchange filter', async () => {
    await withAlerts([
      { ...base, id: 'expired', condition: above, expiresAt: NOW },
      { ...base, id: 'later', condition: above, expiresAt: NOW + 1 },
      { ...base, id: 'off', condition: above, active: false },
      { ...base, id: 'coinbase-only', exchange: 'coinbase', condition: above },
      { ...base, id: 'hook', condition: above, webhookUrl: 'https://hooks.example.com/a', severity: 'critical', name: 'BTC over 50' },
    ], async (send) => {
      const [events] = await send([candle()]);
      expect(events?.map((e) => e.ruleId)).toEqual(['later', 'hook']);
      expect(events?.[1]).toMatchObject({ webhookUrl: 'https://hooks.example.com/a', severity: 'critical', title: 'BTC over 50' });
    });
  });

  it('never alerts twice for the same condition on the same candle: replays and revisions keep the same id', async () => {
    await withAlerts([{ ...base, id: 'x105', condition: { type: 'price_cross', direction: 'up', level: 105 } }], async (send) => {
      const bars = series([100, 104, 106, 107]);
      const first = (await send(bars)).flat();
      expect(first).toHaveLength(1);
      expect(first[0]?.id).toBe(`x105:cryptocompare:cccagg:BTC-USD:1m:${bars[2]?.timestamp}:${first[0]?.id.split(':').at(-1)}`);
      expect((await send(bars)).flat()).toEqual([]);
      expect((await send([{ ...(bars[2] as OhlcvMessage), close: 106.5, revision: 1, state: 'revised' }])).flat()).toEqual([]);
    });
  });

  it('keeps per-series state the size of the bar window: fired keys expire with their candles, too-old candles are not judged', async () => {
    const store = new MemoryStateStore();
    const rule = { ...base, id: 'every', condition: { type: 'price_threshold', op: 'above', level: 1 } } as const;
    const served = await serveApp(createAlertsApp({ state: store, rules: staticRules([rule]), clock: () => NOW }));
    try {
      const send = async (batch: OhlcvMessage[]): Promise<number> => (await postBatch<AlertEvent>(served.url, batch)).reduce((n, a) => n + (a.ok ? a.messages.length : 0), 0);
      const bars = series(Array.from({ length: 120 }, (_, i) => 100 + (i % 7)));
      let fired = 0;
      for (let i = 0; i < bars.length; i += 10) fired += await send(bars.slice(i, i + 10));
      expect(fired).toBe(120);
      const state = (await store.get<{ bars: KeptBar[]; fired: FiredKeys }>(seriesStateKey('alerts', bars[0] as OhlcvMessage)))?.value;
      // 31 bars (the pattern window + 1) and one key per bar still judged: not one per candle ever seen.
      expect(state?.bars).toHaveLength(31);
      expect(state?.fired).toHaveLength(31);
      // Only the indicator outputs this series' rules read are kept (none here).
      expect(state?.bars.every((b) => Object.keys(b.ind).length === 0)).toBe(true);
      // Replays inside the window stay silent; a candle older than the window is passed over, not judged again.
      expect(await send(bars.slice(-31))).toBe(0);
      expect(await send(bars.slice(0, 5))).toBe(0);

      // State written by the previous version (fired keys as a plain list) is still honoured.
      const fresh = series([100, 101], { symbol: 'ETH-USD' });
      const legacyKey = `every-eth|${(fresh[1] as OhlcvMessage).timestamp}|${fnv1a(canonicalJson(rule.condition))}`;
      await store.set({ key: seriesStateKey('alerts', fresh[0] as OhlcvMessage), value: { bars: [], fired: [legacyKey], spent: [] } });
      const eth = await serveApp(createAlertsApp({ state: store, rules: staticRules([{ ...rule, id: 'every-eth', symbol: 'ETH-USD' }]), clock: () => NOW }));
      try {
        const answers = await postBatch<AlertEvent>(eth.url, fresh);
        expect(answers.map((a) => (a.ok ? a.messages.length : -1))).toEqual([1, 0]);
      } finally {
        await eth.stop();
      }
    } finally {
      await served.stop();
    }
  });

  it('validates rules: channel bounds, exactly one cross target, known patterns and trigger intervals', () => {
    expect(AlertRule.safeParse({ ...base, id: 'c', condition: { type: 'channel', action: 'entering', lower: 10, upper: 5 } }).success).toBe(false);
    expect(AlertRule.safeParse({ ...base, id: 'i', condition: { type: 'indicator_cross', direction: 'up', series: { indicator: 'RSI', output: 'rsi' }, value: 1, other: { indicator: 'X', output: 'y' } } }).success).toBe(false);
    expect(AlertRule.safeParse({ ...base, id: 'p', condition: { type: 'pattern', pattern: 'CDLNOPE' } }).success).toBe(false);
    expect(AlertRule.safeParse({ ...base, id: 't', condition: above, trigger: { mode: 'once_per_interval', intervalMs: 10 } }).success).toBe(false);
    expect(AlertRule.parse({ ...base, id: 'ok', condition: above })).toMatchObject({ trigger: { mode: 'once_per_bar_close' }, severity: 'info', active: true });
  });
});

describe('alerts: rules read in the background', () => {
  const rule = (id: string) => AlertRule.parse({ ...base, id, condition: { type: 'price_threshold', op: 'above', level: 1 } });

  it('answers from the last read, refreshes once when stale without waiting for it, and keeps the last rules when a refresh fails', async () => {
    let now = 0;
    let reads = 0;
    let next: Promise<AlertRule[]> = Promise.resolve([rule('a')]);
    const source: RuleSource = { list: () => (reads++, next) };
    const rules = cachedRules(source, { maxAgeMs: 1000, clock: () => now });
    expect((await rules.list()).map((r) => r.id)).toEqual(['a']);
    now = 500;
    expect((await rules.list()).map((r) => r.id)).toEqual(['a']);
    expect(reads).toBe(1);

    // Stale: every batch is answered at once from the cache while one read is under way.
    let release: (value: AlertRule[]) => void = () => {};
    next = new Promise((resolve) => (release = resolve));
    now = 1000;
    expect((await rules.list()).map((r) => r.id)).toEqual(['a']);
    expect((await rules.list()).map((r) => r.id)).toEqual(['a']);
    expect(reads).toBe(2);
    release([rule('b')]);
    await next;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect((await rules.list()).map((r) => r.id)).toEqual(['b']);

    next = Promise.reject(new Error('database gone'));
    next.catch(() => undefined);
    now = 3000;
    expect((await rules.list()).map((r) => r.id)).toEqual(['b']);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect((await rules.list()).map((r) => r.id)).toEqual(['b']);
    expect(reads).toBe(4);
  });

  it('fails the first batch when nothing could be read yet, and reads on every batch with maxAgeMs 0', async () => {
    let reads = 0;
    const failing = cachedRules({ list: () => Promise.reject(new Error('database gone')) }, { maxAgeMs: 1000 });
    await expect(failing.list()).rejects.toThrow('database gone');
    const direct = cachedRules({ list: async () => (reads++, [rule('a')]) }, { maxAgeMs: 0 });
    await direct.list();
    await direct.list();
    expect(reads).toBe(2);
  });
});
