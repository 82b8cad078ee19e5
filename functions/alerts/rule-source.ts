import { AlertRule, type AlertRuleInput } from '../../schemas/alert-rule.ts';

/** Where the alerts function gets its rules from (a store, the MCP server, a file); asked once per batch. */
export interface RuleSource {
  list(): Promise<readonly AlertRule[]>;
}

/** A fixed rule list, validated up front (a bad rule fails at startup, not per candle). */
export function staticRules(rules: readonly AlertRuleInput[]): RuleSource {
  const parsed = rules.map((r) => AlertRule.parse(r));
  return { list: async () => parsed };
}

export interface CachedRulesOptions {
  /** How old the rules may be before a batch triggers a refresh (0: read on every batch). */
  maxAgeMs: number;
  clock?: () => number;
}

/**
 * Rules from `source`, re-read in the background once they are older than `maxAgeMs`: batches never wait on the
 * rules store (a database busy with a large write would otherwise hold up every alert), and a rule change takes effect
 * within `maxAgeMs` plus one read. Only the first batch waits for a read. A failed refresh keeps the last rules and
 * is retried by the next batch; with nothing read yet, the failure is the batch's (the pipeline retries it).
 */
export function cachedRules(source: RuleSource, options: CachedRulesOptions): RuleSource {
  if (options.maxAgeMs <= 0) return source;
  const clock = options.clock ?? Date.now;
  let rules: readonly AlertRule[] | undefined;
  let readAt = -Infinity;
  let reading: Promise<readonly AlertRule[]> | undefined;
  const refresh = (): Promise<readonly AlertRule[]> =>
    (reading ??= source.list().then(
      (fresh) => {
        rules = fresh;
        readAt = clock();
        reading = undefined;
        return fresh;
      },
      (error: unknown) => {
        reading = undefined;
        throw error;
      },
    ));
  return {
    async list() {
      if (rules === undefined) return refresh();
      if (clock() - readAt >= options.maxAgeMs) refresh().catch(() => undefined);
      return rules;
    },
  };
}
