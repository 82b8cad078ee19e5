import * as z from 'zod';
import { AlertEvent, SignalEvent, SystemEvent } from '../../../schemas/alerts.ts';
import type { AlertsMessage } from '../../../schemas/alerts.ts';
import { EpochMs, Symbol } from '../../../schemas/common.ts';
import { CursorArg, decodeCursor, encodeCursor, queryKey } from '../cursor.ts';
import { badInput, notFound } from '../result.ts';
import type { StoredRule } from '../ports.ts';
import { AlertRuleInput } from './alert-rule-input.ts';
import { READ_ONLY, defineTool } from './define.ts';
import { LimitArg, Page } from './shared.ts';

const RuleId = z.string().regex(/^rule_[A-Za-z0-9]{8,40}$/, 'ruleId is the id create_alert_rule returned (rule_...)');
const RuleStatus = z.enum(['active', 'paused', 'expired', 'triggered']);
const RuleOut = z.object({ id: z.string(), status: RuleStatus, createdAt: EpochMs, updatedAt: EpochMs, rule: AlertRuleInput });
const RULE_FIELDS = ['status', 'createdAt', 'updatedAt', 'rule'] as const;
/** A listed rule: id always, the other fields when selected. */
const ListedRule = RuleOut.partial().required({ id: true });

function ruleOut(r: StoredRule<AlertRuleInput>): z.infer<typeof RuleOut> {
  return { id: r.id, status: r.status, createdAt: r.createdAt, updatedAt: r.updatedAt, rule: r.rule };
}

function checkExpiry(rule: AlertRuleInput, now: number): void {
  if (rule.expiresAt !== undefined && rule.expiresAt <= now) throw badInput('expiresAt is in the past: give a future epoch-ms time or omit it');
}

export const createAlertRule = defineTool({
  name: 'create_alert_rule',
  title: 'Create alert rule',
  description: 'Creates a server-side alert on a series: price cross/threshold, percent move over N bars, channel enter/exit/inside/outside, volume spike, '
    + 'indicator cross/threshold, candlestick pattern; trigger once / once per bar / once per bar close / once per interval; optional expiry and https webhook. '
    + 'Fired alerts arrive via get_events.',
  scope: 'alerts',
  input: z.object({ rule: AlertRuleInput }),
  output: z.object({ summary: z.string(), rule: RuleOut }),
  annotations: { title: 'Create alert rule', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(args, { deps, keyId }) {
    checkExpiry(args.rule, deps.now());
    const stored = await deps.rules.create(keyId, args.rule);
    return { summary: `created ${stored.id} on ${args.rule.symbol} ${args.rule.timeframe} (${args.rule.condition.type}, ${args.rule.trigger.mode})`, rule: ruleOut(stored) };
  },
});

export const listAlertRules = defineTool({
  name: 'list_alert_rules',
  title: 'List alert rules',
  description: 'Alert rules created with this API key, oldest first, optionally by status. Select fields to keep the answer small (id is always included).',
  scope: 'alerts',
  input: z.object({
    status: RuleStatus.optional(),
    fields: z.array(z.enum(RULE_FIELDS)).min(1).max(RULE_FIELDS.length).optional().describe('Fields per rule besides id; default all'),
    limit: LimitArg(100, 20),
    cursor: CursorArg.optional(),
  }),
  output: z.object({ ...Page, rules: z.array(ListedRule) }),
  annotations: { ...READ_ONLY, title: 'List alert rules' },
  async run(args, { deps, keyId }) {
    const key = queryKey(['rules', args.status ?? null]);
    const after = args.cursor === undefined ? undefined : String(decodeCursor('rules', args.cursor, key));
    const rows = await deps.rules.list(keyId, { ...(after === undefined ? {} : { after }), ...(args.status === undefined ? {} : { status: args.status }), limit: args.limit + 1 });
    const page = rows.slice(0, args.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > args.limit && last !== undefined ? encodeCursor('rules', last.id, key) : null;
    const fields = args.fields ?? RULE_FIELDS;
    const rules = page.map((r) => {
      const full = ruleOut(r);
      const out: z.infer<typeof ListedRule> = { id: full.id };
      for (const f of fields) Object.assign(out, { [f]: full[f] });
      return out;
    });
    return { summary: `${page.length} rules${nextCursor === null ? '' : '; more via nextCursor'}`, nextCursor, rules };
  },
});

export const updateAlertRule = defineTool({
  name: 'update_alert_rule',
  title: 'Update alert rule',
  description: 'Replaces a rule\'s definition and/or pauses or resumes it (status active|paused).',
  scope: 'alerts',
  input: z.object({ ruleId: RuleId, rule: AlertRuleInput.optional(), status: z.enum(['active', 'paused']).optional() }),
  output: z.object({ summary: z.string(), rule: RuleOut }),
  annotations: { title: 'Update alert rule', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run(args, { deps, keyId }) {
    if (args.rule === undefined && args.status === undefined) throw badInput('nothing to update: pass rule and/or status');
    if (args.rule !== undefined) checkExpiry(args.rule, deps.now());
    const updated = await deps.rules.update(keyId, args.ruleId, { ...(args.rule === undefined ? {} : { rule: args.rule }), ...(args.status === undefined ? {} : { status: args.status }) });
    if (updated === null) throw notFound('RULE_NOT_FOUND', `no rule ${args.ruleId} for this key: list_alert_rules shows the ids you own`);
    return { summary: `updated ${updated.id} (${updated.status})`, rule: ruleOut(updated) };
  },
});

export const deleteAlertRule = defineTool({
  name: 'delete_alert_rule',
  title: 'Delete alert rule',
  description: 'Deletes a rule; events it already fired stay readable via get_events.',
  scope: 'alerts',
  input: z.object({ ruleId: RuleId }),
  output: z.object({ summary: z.string(), deleted: z.boolean() }),
  annotations: { title: 'Delete alert rule', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run(args, { deps, keyId }) {
    const deleted = await deps.rules.delete(keyId, args.ruleId);
    return { summary: deleted ? `deleted ${args.ruleId}` : `${args.ruleId} did not exist (nothing to do)`, deleted };
  },
});

const EVENT_KINDS = ['alert', 'signal', 'system'] as const;
/** Every field an event kind may carry besides kind and id (which are always returned). */
const EVENT_FIELDS = ['at', 'emittedAt', 'title', 'message', 'severity', 'exchange', 'symbol', 'timeframe', 'ruleId', 'condition', 'price', 'evidence', 'webhookUrl',
  'signal', 'direction', 'strength', 'check', 'status', 'subject', 'value', 'threshold'] as const;
const EventOut = z.discriminatedUnion('kind', [
  AlertEvent.partial().required({ kind: true, id: true }),
  SignalEvent.partial().required({ kind: true, id: true }),
  SystemEvent.partial().required({ kind: true, id: true }),
]);

function pickEventFields(event: AlertsMessage, fields: readonly (typeof EVENT_FIELDS)[number][] | undefined): z.infer<typeof EventOut> {
  if (fields === undefined) return event as z.infer<typeof EventOut>;
  const source = event as Record<string, unknown>;
  const out: Record<string, unknown> = { kind: event.kind, id: event.id };
  for (const f of fields) if (source[f] !== undefined) out[f] = source[f];
  return out as z.infer<typeof EventOut>;
}
const MAX_WAIT_MS = 25_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export const getEvents = defineTool({
  name: 'get_events',
  title: 'Alert and signal events',
  description: 'Fired alerts and trading signals (and optionally system events) after a cursor, oldest first. With waitMs > 0 it long-polls up to 25 s '
    + 'until something arrives. Always returns nextCursor: pass it next time to get only newer events.',
  scope: 'read',
  input: z.object({
    cursor: CursorArg.optional().describe('nextCursor from the previous get_events call; omit to start from the oldest retained event'),
    fromNow: z.boolean().default(false).describe('Without cursor: skip stored history and only return events that arrive from now on'),
    kinds: z.array(z.enum(EVENT_KINDS)).min(1).max(3).default(['alert', 'signal']),
    symbols: z.array(Symbol).min(1).max(50).optional(),
    waitMs: z.number().int().min(0).max(MAX_WAIT_MS).default(0).describe('Long-poll up to this long when nothing is pending (≤ 25000)'),
    fields: z.array(z.enum(EVENT_FIELDS)).min(1).max(EVENT_FIELDS.length).optional().describe('Fields per event besides kind and id (each kind has only some of them); default all'),
    limit: LimitArg(200, 50),
  }),
  output: z.object({
    summary: z.string(),
    nextCursor: z.string().describe('Pass as cursor to continue after the last returned event'),
    more: z.boolean().describe('More events are already pending'),
    events: z.array(EventOut).describe('Complete events unless fields was given'),
  }),
  annotations: { ...READ_ONLY, title: 'Alert and signal events' },
  async run(args, { deps, signal }) {
    const key = queryKey(['events', [...args.kinds].sort(), args.symbols ?? null]);
    let after: string | null;
    if (args.cursor !== undefined) {
      after = String(decodeCursor('events', args.cursor, key));
      if (!deps.events.isPosition(after)) throw badInput('cursor is not valid for get_events: omit it to start over');
    } else {
      after = args.fromNow ? await deps.events.head() : null;
    }
    const deadline = deps.now() + args.waitMs;
    const query = { after, limit: args.limit + 1, kinds: args.kinds, ...(args.symbols === undefined ? {} : { symbols: args.symbols }) };
    let rows = await deps.events.since(query);
    while (rows.length === 0 && deps.now() < deadline && !signal.aborted) {
      await sleep(Math.min(deps.config.eventsPollMs, Math.max(1, deadline - deps.now())), signal);
      rows = await deps.events.since(query);
    }
    const page = rows.slice(0, args.limit);
    const last = page.at(-1)?.position ?? after;
    const counts = EVENT_KINDS.map((k) => [k, page.filter((e) => e.event.kind === k).length] as const).filter(([, n]) => n > 0);
    return {
      summary: page.length === 0 ? `no new events${args.waitMs > 0 ? ` within ${args.waitMs} ms` : ''}` : `${page.length} events (${counts.map(([k, n]) => `${n} ${k}`).join(', ')})`,
      nextCursor: encodeCursor('events', last ?? '', key),
      more: rows.length > args.limit,
      events: page.map((e) => pickEventFields(e.event, args.fields)),
    };
  },
});
