import type { Hono } from 'hono';
import type { BatchFunctionName } from '../../functions/lib/batch/names.ts';
import { readFile } from 'node:fs/promises';
import { staticRules, type RuleSource } from '../../functions/alerts/rule-source.ts';
import type { StateStore } from '../../functions/lib/state/index.ts';
import type { AlertRuleInput } from '../../schemas/alert-rule.ts';

/** Alert rules from a JSON file (an array of AlertRule), or none; validated at startup so a bad rule stops the process. */
async function rulesFromFile(file: string | undefined): Promise<RuleSource> {
  if (file === undefined || file === '') return staticRules([]);
  return staticRules(JSON.parse(await readFile(file, 'utf8')) as AlertRuleInput[]);
}

/**
 * Builds a function's app for Node with its dependencies from the environment (configuration files are read here,
 * never inside functions/). Imports lazily so serving one function does not load the others.
 */
export async function createNodeApp(name: BatchFunctionName, state: StateStore): Promise<Hono> {
  switch (name) {
    case 'validate':
      return (await import('../../functions/validate/app.ts')).createValidateApp({ state });
    case 'enrich':
      return (await import('../../functions/enrich/app.ts')).createEnrichApp({ state });
    case 'indicators':
      return (await import('../../functions/indicators/app.ts')).createIndicatorsApp({ state });
    case 'alerts': {
      const { createAlertsApp } = await import('../../functions/alerts/app.ts');
      return createAlertsApp({ state, rules: await rulesFromFile(process.env.ALERT_RULES_FILE) });
    }
    case 'signals':
      return (await import('../../functions/signals/app.ts')).createSignalsApp({ state });
  }
}
