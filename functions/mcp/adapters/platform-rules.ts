/**
 * Alert rules in the platform's `alert_rules` table (sql/timescale 004 + 006): the MCP tools write them per API key,
 * the alerts function reads every active, unexpired one through `createSqlRuleSource`. The summary columns (series,
 * frequency, severity, expiry) are kept in step with `rule`, the full JSON the agent submitted.
 */
import { AlertRule } from '../../../schemas/alert-rule.ts';
import type { RulesStorePort, SqlPort, StoredRule } from '../ports.ts';
import type { AlertRuleInput } from '../tools/alert-rule-input.ts';

interface RuleRow {
  id: string; owner_key_id: string | null; owner: string; rule: unknown; status: StoredRule['status'];
  exchange: string | null; symbol: string; timeframe: string; condition: unknown; frequency: string; interval_ms: string | null; webhook_url: string | null;
  name: string | null; message: string | null; severity: string; expires_ms: number | null; created_ms: number; updated_ms: number;
}

const SELECT = `SELECT id, owner_key_id, owner, rule, status, exchange, symbol, timeframe, condition, frequency, interval_ms, webhook_url, name, message, severity,
  extract(epoch FROM expires_at) * 1000 AS expires_ms, extract(epoch FROM created_at) * 1000 AS created_ms, extract(epoch FROM updated_at) * 1000 AS updated_ms
  FROM alert_rules`;

function newRuleId(): string {
  return `rule_${Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The summary columns of a rule, in the order of the INSERT/UPDATE statements ($3..$13). */
function columns(rule: AlertRuleInput): unknown[] {
  const trigger = rule.trigger;
  return [
    rule.exchange ?? null, rule.symbol, rule.timeframe, JSON.stringify(rule.condition), trigger.mode, trigger.mode === 'once_per_interval' ? trigger.intervalMs : null,
    rule.webhookUrl ?? null, rule.name, rule.message ?? null, rule.severity, rule.expiresAt ?? null, JSON.stringify(rule),
  ];
}

/** The rule a row describes: its `rule` JSON, or (rows written by other tools) one rebuilt from the summary columns. */
function ruleOfRow(r: RuleRow): Record<string, unknown> {
  if (r.rule !== null && typeof r.rule === 'object') return r.rule as Record<string, unknown>;
  return {
    ...(r.exchange === null ? {} : { exchange: r.exchange }), symbol: r.symbol, timeframe: r.timeframe, condition: r.condition,
    trigger: r.interval_ms === null ? { mode: r.frequency } : { mode: r.frequency, intervalMs: Number(r.interval_ms) },
    ...(r.webhook_url === null ? {} : { webhookUrl: r.webhook_url }), ...(r.name === null ? {} : { name: r.name }),
    ...(r.message === null ? {} : { message: r.message }), severity: r.severity, ...(r.expires_ms === null ? {} : { expiresAt: Math.round(Number(r.expires_ms)) }),
  };
}

function storedRule(r: RuleRow): StoredRule<AlertRuleInput> {
  return {
    id: r.id, owner: r.owner_key_id ?? r.owner, rule: ruleOfRow(r) as AlertRuleInput, status: r.status,
    createdAt: Math.round(Number(r.created_ms)), updatedAt: Math.round(Number(r.updated_ms)),
  };
}

export function createPlatformRulesStore(sql: SqlPort, now: () => number = () => Date.now()): RulesStorePort<AlertRuleInput> {
  return {
    async create(owner, rule) {
      const { rows } = await sql.query<RuleRow>(
        `INSERT INTO alert_rules (id, owner, owner_key_id, exchange, symbol, timeframe, condition, frequency, interval_ms, webhook_url, name, message, severity,
                                  expires_at, rule, status, active, created_at, updated_at)
         VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, to_timestamp($13 / 1000.0), $14, 'active', true, to_timestamp($15 / 1000.0), to_timestamp($15 / 1000.0))
         RETURNING id`,
        [newRuleId(), owner, ...columns(rule), now()]);
      const stored = await this.get(owner, (rows[0] as { id: string }).id);
      if (stored === null) throw new Error('alert rule vanished right after insert');
      return stored;
    },
    async list(owner, q) {
      const { rows } = await sql.query<RuleRow>(
        `${SELECT} WHERE owner_key_id = $1 AND ($2::text IS NULL OR status = $2)
           AND ($3::text IS NULL OR (created_at, id) > (SELECT created_at, id FROM alert_rules WHERE id = $3 AND owner_key_id = $1))
         ORDER BY created_at, id LIMIT $4`, [owner, q.status ?? null, q.after ?? null, q.limit]);
      return rows.map(storedRule);
    },
    async get(owner, id) {
      const { rows } = await sql.query<RuleRow>(`${SELECT} WHERE owner_key_id = $1 AND id = $2`, [owner, id]);
      return rows[0] === undefined ? null : storedRule(rows[0]);
    },
    async update(owner, id, patch) {
      const status = patch.status ?? null;
      const set = patch.rule === undefined
        ? { text: '', params: [] as unknown[] }
        : { text: `exchange = $5, symbol = $6, timeframe = $7, condition = $8, frequency = $9, interval_ms = $10, webhook_url = $11, name = $12, message = $13,
                  severity = $14, expires_at = to_timestamp($15 / 1000.0), rule = $16,`, params: columns(patch.rule) };
      const { rows } = await sql.query<{ id: string }>(
        `UPDATE alert_rules SET ${set.text} status = COALESCE($3, status), active = COALESCE($3, status) = 'active', updated_at = to_timestamp($4 / 1000.0)
          WHERE owner_key_id = $1 AND id = $2 RETURNING id`, [owner, id, status, now(), ...set.params]);
      return rows[0] === undefined ? null : this.get(owner, id);
    },
    async delete(owner, id) {
      const { rows } = await sql.query(`DELETE FROM alert_rules WHERE owner_key_id = $1 AND id = $2 RETURNING id`, [owner, id]);
      return rows.length > 0;
    },
  };
}

/**
 * The alerts function's RuleSource (functions/alerts/rule-source.ts) over alert_rules: every active, unexpired rule of
 * any key, as schemas/alert-rule.ts AlertRule. Rows that no longer parse are skipped rather than failing a batch.
 */
export function createSqlRuleSource(sql: SqlPort): { list(): Promise<AlertRule[]> } {
  return {
    async list() {
      const { rows } = await sql.query<RuleRow>(`${SELECT} WHERE active AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at, id`);
      return rows.flatMap((r) => {
        const parsed = AlertRule.safeParse({ ...ruleOfRow(r), id: r.id, createdAt: Math.round(Number(r.created_ms)), active: true });
        return parsed.success ? [parsed.data] : [];
      });
    },
  };
}
