import { AppError } from '../errors.ts';
import { checkOhlcvMessage } from '../../../schemas/fast/ohlcv.ts';
import { candleKey, type OhlcvMessage } from '../../../schemas/ohlcv.ts';
import { clickHouseRow, timescaleColumns, TIMESCALE_UPSERT } from './rows.ts';
import type { ClickHousePort, SqlPort } from './types.ts';

export type WriteResult = { ok: true; key: string } | { ok: false; error: AppError };

export interface OhlcvWriter {
  /**
   * Validates every element with the contract, then upserts the valid ones to both stores in one statement each.
   * Answers one result per element, in order: a refused element gets an `INVALID_CANDLE` error and costs the batch nothing.
   * A store failure throws `STORE_WRITE_FAILED` for the whole batch; retrying it is safe (writes are idempotent).
   */
  write(batch: readonly unknown[]): Promise<WriteResult[]>;
}

export interface WriterStores {
  timescale?: SqlPort;
  clickhouse?: ClickHousePort;
}

/** Whether `a` may replace `b` under the revision rule (the same rule the SQL upsert and ClickHouse's version apply). */
export function supersedes(a: OhlcvMessage, b: OhlcvMessage): boolean {
  return a.revision > b.revision || (a.revision === b.revision && b.state === 'forming' && a.state !== 'forming');
}

function byKey(a: OhlcvMessage, b: OhlcvMessage): number {
  return a.exchange.localeCompare(b.exchange) || a.symbol.localeCompare(b.symbol) || a.timeframe.localeCompare(b.timeframe)
    || a.timestamp - b.timestamp || a.source.localeCompare(b.source);
}

export function createOhlcvWriter(stores: WriterStores): OhlcvWriter {
  return {
    async write(batch) {
      const results: WriteResult[] = [];
      // One row per key per statement (ON CONFLICT cannot touch a row twice): keep the winner of duplicates in the batch.
      const winners = new Map<string, OhlcvMessage>();
      for (const [index, element] of batch.entries()) {
        // The contract's fast path: zod only for elements it cannot pass, so refusals still carry zod's issues.
        const checked = checkOhlcvMessage(element);
        if (!checked.ok) {
          const issues = checked.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
          results.push({ ok: false, error: new AppError('INVALID_CANDLE', `candle #${index} refused: ${issues.join('; ')}; fix the producer or dead-letter it`, { status: 400, details: { index, issues } }) });
          continue;
        }
        const key = candleKey(checked.value);
        const previous = winners.get(key);
        if (previous === undefined || supersedes(checked.value, previous)) winners.set(key, checked.value);
        results.push({ ok: true, key });
      }
      // Key order = one lock order for every writer: concurrent overlapping upserts wait for each other, never deadlock.
      const rows = [...winners.values()].sort(byKey);
      if (rows.length === 0) return results;
      await Promise.all([
        stores.timescale?.query(TIMESCALE_UPSERT, timescaleColumns(rows)).catch((error: unknown) => {
          throw new AppError('STORE_WRITE_FAILED', `timescale upsert of ${rows.length} candles failed (safe to retry): ${(error as Error).message}`, { status: 503, cause: error });
        }),
        stores.clickhouse?.insert({ table: 'ohlcv', values: rows.map(clickHouseRow), format: 'JSONEachRow' }).catch((error: unknown) => {
          throw new AppError('STORE_WRITE_FAILED', `clickhouse insert of ${rows.length} candles failed (safe to retry): ${(error as Error).message}`, { status: 503, cause: error });
        }),
      ]);
      return results;
    },
  };
}
