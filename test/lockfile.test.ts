import { describe, expect, it } from 'vitest';
import { missingOptionalEntries, readLock } from '../scripts/lock-optional.ts';

describe('package-lock.json', () => {
  it('lists every optional chdb platform build, so `npm ci` accepts the lock (postinstall runs scripts/lock-optional.ts)', async () => {
    expect(missingOptionalEntries(await readLock())).toEqual([]);
  });
});
