import { MemoryStateStore } from '../lib/state/index.ts';
import { createAlertsApp } from './app.ts';
import { staticRules } from './rule-source.ts';

/**
 * Edge entry (workerd, Deno): in-process state and no rules; a deployment wraps createAlertsApp with its own
 * RuleSource (e.g. rules fetched from the MCP server's store) — see README.md.
 */
export default createAlertsApp({ state: new MemoryStateStore(), rules: staticRules([]) });
