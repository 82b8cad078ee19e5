import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import pg from 'pg';

/** Splits `http://user:pass@host:port/db` into what @clickhouse/client-web takes (credentials never in the URL it logs). */
export function clickHouseConfig(url: string): { url: string; username?: string; password?: string; database?: string } {
  const parsed = new URL(url);
  const database = parsed.pathname.replace(/^\//, '') || undefined;
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  return { url: parsed.origin, ...(username ? { username } : {}), ...(password ? { password } : {}), ...(database ? { database } : {}) };
}

export interface StoreClients {
  timescale: pg.Pool;
  clickhouse: ClickHouseClient;
  close(): Promise<void>;
}

/** A pg pool and a ClickHouse client for the given URLs: the ports `createReadLayer` and `createOhlcvWriter` take. */
export function openStores(urls: { timescaleUrl: string; clickhouseUrl: string }, poolSize = 10): StoreClients {
  const timescale = new pg.Pool({ connectionString: urls.timescaleUrl, max: poolSize });
  const clickhouse = createClient(clickHouseConfig(urls.clickhouseUrl));
  return {
    timescale,
    clickhouse,
    async close() {
      await Promise.all([timescale.end(), clickhouse.close()]);
    },
  };
}
