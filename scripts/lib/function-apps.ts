import type { Hono } from 'hono';
import type { BatchAppOptions } from '../../functions/lib/batch/app.ts';
import type { BatchFunctionName } from '../../functions/lib/batch/names.ts';
import { readFile } from 'node:fs/promises';
import { cachedRules, staticRules, type RuleSource } from '../../functions/alerts/rule-source.ts';
import type { StateStore } from '../../functions/lib/state/index.ts';
import type { AlertRuleInput } from '../../schemas/alert-rule.ts';
import type { SqlPort } from '../../functions/mcp/ports.ts';

export interface NodeAppOptions extends BatchAppOptions {
  /** Where the alerts function reads alert_rules (npm start passes its own pool); default: a pool on TIMESCALE_URL. */
  alertRulesSql?: SqlPort;
  /** How old the alert_rules table's rules may be before a batch re-reads them in the background; default ALERT_RULES_MAX_AGE_MS or 1000, 0 reads on every batch. */
  alertRulesMaxAgeMs?: number;
}

/** Alert rules from a JSON file (an array of AlertRule), or none; validated at startup so a bad rule stops the process. */
async function rulesFromFile(file: string | undefined): Promise<RuleSource> {
  if (file === undefined || file === '') return staticRules([]);
  return staticRules(JSON.parse(await readFile(file, 'utf8')) as AlertRuleInput[]);
}

/**
 * The alerts function's rules: the JSON file (if any) plus, when TIMESCALE_URL is set, every active rule of the
 * platform's alert_rules table (what MCP create_alert_rule writes), re-read in the background once older than `maxAgeMs`.
 */
async function alertRules(sql: SqlPort | undefined, maxAgeMs: number): Promise<RuleSource> {
  const fromFile = await rulesFromFile(process.env.ALERT_RULES_FILE);
  const url = process.env.TIMESCALE_URL;
  if (sql === undefined && (url === undefined || url === '')) return fromFile;
  const { createSqlRuleSource } = await import('../../functions/mcp/adapters/platform-rules.ts');
  const table = cachedRules(createSqlRuleSource(sql ?? new (await import('pg')).default.Pool({ connectionString: url, max: 2 })), { maxAgeMs });
  return { list: async () => [...(await fromFile.list()), ...(await table.list())] };
}

/** ALERT_RULES_MAX_AGE_MS (ms, >= 0), default 1000; anything else stops startup with what is wrong. */
function maxAgeFromEnv(): number {
  const raw = process.env.ALERT_RULES_MAX_AGE_MS ?? '1000';
  const ms = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(ms) || ms < 0) throw new Error(`ALERT_RULES_MAX_AGE_MS must be a number of milliseconds >= 0, got "${raw}"`);
  return ms;
}

/**
 * Builds a function's app for Node with its dependencies from the environment (configuration files are read here,
 * never inside functions/). Imports lazily so serving one function does not load the others.
 */
export async function createNodeApp(name: BatchFunctionName, state: StateStore, nodeOptions: NodeAppOptions = {}): Promise<Hono> {
  const { alertRulesSql, alertRulesMaxAgeMs, ...options } = nodeOptions;
  switch (name) {
    case 'validate':
      return (await import('../../functions/validate/app.ts')).createValidateApp({ ...options, state });
    case 'enrich':
      return (await import('../../functions/enrich/app.ts')).createEnrichApp({ ...options, state });
    case 'indicators':
      return (await import('../../functions/indicators/app.ts')).createIndicatorsApp({ ...options, state });
    case 'alerts': {
      const { createAlertsApp } = await import('../../functions/alerts/app.ts');
      return createAlertsApp({ ...options, state, rules: await alertRules(alertRulesSql, alertRulesMaxAgeMs ?? maxAgeFromEnv()) });
    }
    case 'signals':
      return (await import('../../functions/signals/app.ts')).createSignalsApp({ ...options, state });
  }
}
