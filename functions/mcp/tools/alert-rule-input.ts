/**
 * The alert rule an agent submits: schemas/alert-rule.ts (what the alerts function evaluates) without the fields the
 * server assigns (id, createdAt, active), with free text limited to printable characters and webhooks to https.
 * The rule, its condition and its trigger are strict: an unknown key is refused rather than dropped.
 */
import * as z from 'zod';
import { AlertCondition, AlertRule, AlertTrigger } from '../../../schemas/alert-rule.ts';

const Printable = /^[^\p{Cc}]*$/u;

// Strict copies of the shared variants (their refinements and descriptions carry over).
const StrictCondition = z.discriminatedUnion('type', AlertCondition.options.map((o) => o.strict()) as unknown as typeof AlertCondition.options);
const StrictTrigger = z.discriminatedUnion('mode', AlertTrigger.options.map((o) => o.strict()) as unknown as typeof AlertTrigger.options);

export const AlertRuleInput = AlertRule.omit({ id: true, createdAt: true, active: true }).extend({
  name: z.string().min(1).max(100).regex(Printable, 'name must not contain control characters'),
  message: z.string().max(1000).regex(Printable, 'message must not contain control characters').optional(),
  webhookUrl: z.string().url().max(500).refine((u) => u.startsWith('https://'), 'webhookUrl must be an https URL').optional(),
  condition: StrictCondition,
  trigger: StrictTrigger.default({ mode: 'once_per_bar_close' }),
}).strict();
export type AlertRuleInput = z.infer<typeof AlertRuleInput>;
