import { MemoryStateStore } from '../lib/state/index.ts';
import { createValidateApp } from './app.ts';

/**
 * Edge entry (workerd, Deno): default configuration and in-process state, so one isolate is one replica.
 * Deployments that need shared state run the Node entry (scripts/fn.ts) with Redis instead.
 */
export default createValidateApp({ state: new MemoryStateStore() });
