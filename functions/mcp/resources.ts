/**
 * `market://SYMBOL/snapshot` resources: latest price plus the last 24 h range. Clients on 2026-07-28 can
 * `subscriptions/listen` to them; the snapshot watcher publishes `notifications/resources/updated` when the latest
 * candle of a watched symbol changes.
 */
import { ResourceTemplate } from '@modelcontextprotocol/server';
import type { McpServer, ReadResourceResult } from '@modelcontextprotocol/server';
import { SYMBOL_PATTERN } from '../../schemas/common.ts';
import type { McpDeps } from './deps.ts';

export function snapshotUri(symbol: string): string {
  return `market://${symbol}/snapshot`;
}

export async function readSnapshot(deps: McpDeps, symbol: string): Promise<Record<string, unknown> | null> {
  const exchange = deps.config.defaultExchange;
  const [latest] = await deps.read.latest(exchange, [symbol]);
  if (latest === undefined) return null;
  const dayAgo = latest.timestamp - 86_400_000;
  const { candles: hours } = await deps.read.candles({ exchange, symbol, timeframe: '1h', from: dayAgo, to: latest.timestamp, limit: 25 });
  const day = hours.length === 0 ? undefined : {
    open: (hours[0] as (typeof hours)[number]).open, high: Math.max(...hours.map((h) => h.high)), low: Math.min(...hours.map((h) => h.low)), volume: hours.reduce((v, h) => v + h.volume, 0),
  };
  return {
    symbol, exchange, price: latest.close, timestamp: latest.timestamp, state: latest.state, ageMs: Math.round(latest.ageMs),
    day: day === undefined ? null : { open: day.open, high: day.high, low: day.low, volume: day.volume, changePct: day.open === 0 ? null : ((latest.close - day.open) / day.open) * 100 },
  };
}

export function registerSnapshotResources(server: McpServer, deps: McpDeps): void {
  server.registerResource(
    'market-snapshot',
    new ResourceTemplate('market://{symbol}/snapshot', {
      list: async () => ({ resources: deps.config.snapshotSymbols.map((s) => ({ uri: snapshotUri(s), name: `${s} snapshot`, mimeType: 'application/json' })) }),
    }),
    { title: 'Market snapshot', description: 'Latest price, candle state and 24 h range of a symbol', mimeType: 'application/json' },
    async (uri, variables): Promise<ReadResourceResult> => {
      const raw = variables.symbol;
      const symbol = Array.isArray(raw) ? raw[0] : raw;
      const snapshot = typeof symbol === 'string' && SYMBOL_PATTERN.test(symbol) ? await readSnapshot(deps, symbol) : null;
      const body = snapshot ?? { error: { code: 'UNKNOWN_SYMBOL', message: 'No data for this symbol: list_markets shows what is stored (symbols are BASE-QUOTE)' } };
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body) }] };
    },
  );
}

/** Polls latest prices of the watched symbols and calls `publish(uri)` for each one whose latest candle changed. */
export function startSnapshotWatcher(deps: McpDeps, publish: (uri: string) => void): () => void {
  const seen = new Map<string, string>();
  let running = false;
  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const rows = await deps.read.latest(deps.config.defaultExchange, deps.config.snapshotSymbols);
      for (const r of rows) {
        const mark = `${r.timestamp}:${r.close}:${r.state}`;
        const before = seen.get(r.symbol);
        seen.set(r.symbol, mark);
        if (before !== undefined && before !== mark) publish(snapshotUri(r.symbol));
      }
    } catch (error) {
      deps.onInternalError(error);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), deps.config.snapshotPollMs);
  return () => clearInterval(timer);
}
