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
