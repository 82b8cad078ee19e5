/**
 * The alert rule an agent submits: schemas/alert-rule.ts (what the alerts function evaluates) without the fields the
 * server assigns (id, createdAt, active), with free text limited to printable characters and webhooks to https.
 */
import * as z from 'zod';
import { AlertRule } from '../../../schemas/alert-rule.ts';

const Printable = /^[^\p{Cc}]*$/u;

export const AlertRuleInput = AlertRule.omit({ id: true, createdAt: true, active: true }).extend({
  name: z.string().min(1).max(100).regex(Printable, 'name must not contain control characters'),
  message: z.string().max(1000).regex(Printable, 'message must not contain control characters').optional(),
  webhookUrl: z.string().url().max(500).refine((u) => u.startsWith('https://'), 'webhookUrl must be an https URL').optional(),
});
export type AlertRuleInput = z.infer<typeof AlertRuleInput>;
