export { MemoryStateStore } from './memory.ts';
export { withState, type StateCodec, type StateView, type TransactionOptions } from './transaction.ts';
export type { SetManyResult, StateStore, StateWrite, Versioned } from './types.ts';
export { DecodedCache } from './decoded-cache.ts';
export { StoredJson } from './stored-json.ts';
export { seriesStateKey } from './keys.ts';
export { barsBefore, flatIndicators, keptBarOf, upsertBar, type KeptBar } from './bar-history.ts';
export { fnv1a } from './hash.ts';
export { firedKeysOf, firedKeysToKeep, judgingHorizon, type FiredKeys } from './fired-keys.ts';
