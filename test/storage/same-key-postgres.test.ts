import { afterAll, beforeAll, describe } from 'vitest';
import { realPostgresReachable, throwawayDatabase } from './real-postgres.ts';
import { defineSameKeySuite } from './same-key-suite.ts';

// The same-key suite against a real PostgreSQL without TimescaleDB (fresh database per run), when one runs.
const db = throwawayDatabase(`same_key_${process.pid}_${Date.now()}`, 4);

describe.runIf(await realPostgresReachable())('same-key batches on real PostgreSQL', () => {
  beforeAll(() => db.create());
  afterAll(() => db.drop());

  defineSameKeySuite(() => ({ dsn: db.url, pool: db.pool() }));
});
