import { MemoryStateStore } from '../lib/state/index.ts';
import { createSignalsApp } from './app.ts';

/**
 * Edge entry (workerd, Deno): default signal set and in-process state, so one isolate is one replica.
 * Deployments that need shared state run the Node entry (scripts/fn.ts) with Redis instead.
 */
export default createSignalsApp({ state: new MemoryStateStore() });
