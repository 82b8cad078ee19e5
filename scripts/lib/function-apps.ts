import type { Hono } from 'hono';
import type { BatchAppOptions } from '../../functions/lib/batch/app.ts';
import type { BatchFunctionName } from '../../functions/lib/batch/names.ts';
import { readFile } from 'node:fs/promises';
import { staticRules, type RuleSource } from '../../functions/alerts/rule-source.ts';
import type { StateStore } from '../../functions/lib/state/index.ts';
import type { AlertRuleInput } from '../../schemas/alert-rule.ts';
import type { SqlPort } from '../../functions/mcp/ports.ts';

export interface NodeAppOptions extends BatchAppOptions {
  /** Where the alerts function reads alert_rules (npm start passes its own pool); default: a pool on TIMESCALE_URL. */
  alertRulesSql?: SqlPort;
}

/** Alert rules from a JSON file (an array of AlertRule), or none; validated at startup so a bad rule stops the process. */
async function rulesFromFile(file: string | undefined): Promise<RuleSource> {
  if (file === undefined || file === '') return staticRules([]);
  return staticRules(JSON.parse(await readFile(file, 'utf8')) as AlertRuleInput[]);
}

/**
 * The alerts function's rules: the JSON file (if any) plus, when TIMESCALE_URL is set, every active rule of the
 * platform's alert_rules table (what MCP create_alert_rule writes), read once per batch.
 */
async function alertRules(sql?: SqlPort): Promise<RuleSource> {
  const fromFile = await rulesFromFile(process.env.ALERT_RULES_FILE);
  const url = process.env.TIMESCALE_URL;
  if (sql === undefined && (url === undefined || url === '')) return fromFile;
  const { createSqlRuleSource } = await import('../../functions/mcp/adapters/platform-rules.ts');
  const table = createSqlRuleSource(sql ?? new (await import('pg')).default.Pool({ connectionString: url, max: 2 }));
  return { list: async () => [...(await fromFile.list()), ...(await table.list())] };
}

/**
 * Builds a function's app for Node with its dependencies from the environment (configuration files are read here,
 * never inside functions/). Imports lazily so serving one function does not load the others.
 */
export async function createNodeApp(name: BatchFunctionName, state: StateStore, nodeOptions: NodeAppOptions = {}): Promise<Hono> {
  const { alertRulesSql, ...options } = nodeOptions;
  switch (name) {
    case 'validate':
      return (await import('../../functions/validate/app.ts')).createValidateApp({ ...options, state });
    case 'enrich':
      return (await import('../../functions/enrich/app.ts')).createEnrichApp({ ...options, state });
    case 'indicators':
      return (await import('../../functions/indicators/app.ts')).createIndicatorsApp({ ...options, state });
    case 'alerts': {
      const { createAlertsApp } = await import('../../functions/alerts/app.ts');
      return createAlertsApp({ ...options, state, rules: await alertRules(alertRulesSql) });
    }
    case 'signals':
      return (await import('../../functions/signals/app.ts')).createSignalsApp({ ...options, state });
  }
}
