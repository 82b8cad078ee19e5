/** Rules, events, backfill queue, API keys and audit log over the tables of ./sql-schema.ts. */
import { AlertRule } from '../../../schemas/alert-rule.ts';
import { AlertsMessage } from '../../../schemas/alerts.ts';
import { BackfillProgress } from '../../../schemas/analytics-requests.ts';
import type {
  ApiKeyRecord, AuditLogPort, BackfillQueuePort, EventsSourcePort, KeyStorePort, RulesStorePort, Scope, SqlPort, StoredRule,
} from '../ports.ts';
import { tableRef } from './sql-schema.ts';

interface RuleRow { id: string; owner: string; rule: unknown; status: StoredRule['status']; created_at: string; updated_at: string }

function newRuleId(): string {
  return `rule_${Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function createSqlRulesStore<R>(sql: SqlPort, schema: string, now: () => number = () => Date.now()): RulesStorePort<R> {
  const t = tableRef(schema, 'alert_rules');
  const toRule = (r: RuleRow): StoredRule<R> => ({ id: r.id, owner: r.owner, rule: r.rule as R, status: r.status, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) });
  return {
    async create(owner, rule) {
      const at = now();
      const { rows } = await sql.query<RuleRow>(`INSERT INTO ${t} (id, owner, rule, status, created_at, updated_at) VALUES ($1, $2, $3, 'active', $4, $4) RETURNING *`, [newRuleId(), owner, JSON.stringify(rule), at]);
      return toRule(rows[0] as RuleRow);
    },
    async list(owner, q) {
      const { rows } = await sql.query<RuleRow>(
        `SELECT * FROM ${t} WHERE owner = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR (created_at, id) > (SELECT created_at, id FROM ${t} WHERE id = $3))
         ORDER BY created_at, id LIMIT $4`, [owner, q.status ?? null, q.after ?? null, q.limit]);
      return rows.map(toRule);
    },
    async get(owner, id) {
      const { rows } = await sql.query<RuleRow>(`SELECT * FROM ${t} WHERE owner = $1 AND id = $2`, [owner, id]);
      return rows[0] === undefined ? null : toRule(rows[0]);
    },
    async update(owner, id, patch) {
      const { rows } = await sql.query<RuleRow>(
        `UPDATE ${t} SET rule = COALESCE($3::jsonb, rule), status = COALESCE($4, status), updated_at = $5 WHERE owner = $1 AND id = $2 RETURNING *`,
        [owner, id, patch.rule === undefined ? null : JSON.stringify(patch.rule), patch.status ?? null, now()]);
      return rows[0] === undefined ? null : toRule(rows[0]);
    },
    async delete(owner, id) {
      const { rows } = await sql.query(`DELETE FROM ${t} WHERE owner = $1 AND id = $2 RETURNING id`, [owner, id]);
      return rows.length > 0;
    },
  };
}

/**
 * The alerts function's RuleSource (functions/alerts/rule-source.ts) over the same table: every active rule any key
 * created, as schemas/alert-rule.ts AlertRule. Rows that no longer parse are skipped rather than failing a batch.
 */
export function createSqlRuleSource(sql: SqlPort, schema: string): { list(): Promise<AlertRule[]> } {
  const t = tableRef(schema, 'alert_rules');
  return {
    async list() {
      const { rows } = await sql.query<RuleRow>(`SELECT * FROM ${t} WHERE status = 'active' ORDER BY created_at, id`);
      return rows.flatMap((r) => {
        const parsed = AlertRule.safeParse({ ...(r.rule as object), id: r.id, createdAt: Number(r.created_at), active: true });
        return parsed.success ? [parsed.data] : [];
      });
    },
  };
}

export function createSqlEventsSource(sql: SqlPort, schema: string): EventsSourcePort & { append(event: AlertsMessage): Promise<number> } {
  const t = tableRef(schema, 'alert_events');
  return {
    async since(q) {
      const { rows } = await sql.query<{ seq: string; event: unknown }>(
        `SELECT seq, event FROM ${t} WHERE seq > $1 AND kind = ANY($2::text[]) AND ($3::text[] IS NULL OR symbol = ANY($3::text[])) ORDER BY seq LIMIT $4`,
        [q.after === null || q.after === '' ? 0 : Number(q.after), q.kinds, q.symbols ?? null, q.limit]);
      // Rows are re-validated: whatever wrote them, the tool's output schema promises AlertsMessage.
      return rows.flatMap((r) => {
        const parsed = AlertsMessage.safeParse(r.event);
        return parsed.success ? [{ position: String(r.seq), event: parsed.data }] : [];
      });
    },
    async head() {
      const { rows } = await sql.query<{ seq: string | null }>(`SELECT max(seq) AS seq FROM ${t}`);
      return rows[0]?.seq == null ? null : String(rows[0].seq);
    },
    isPosition: (p) => p === '' || /^\d{1,15}$/.test(p),
    async append(event) {
      const symbol = event.kind === 'system' ? null : event.symbol;
      const { rows } = await sql.query<{ seq: string }>(`INSERT INTO ${t} (kind, symbol, event) VALUES ($1, $2, $3) RETURNING seq`, [event.kind, symbol, JSON.stringify(event)]);
      return Number(rows[0]?.seq);
    },
  };
}

/** A queue table standing in for the analytics-requests topic (the backfill worker would update `progress`). */
export function createSqlBackfillQueue(sql: SqlPort, schema: string, now: () => number = () => Date.now()): BackfillQueuePort {
  const t = tableRef(schema, 'backfill_requests');
  return {
    async enqueue(request) {
      const progress: BackfillProgress = { kind: 'backfill_progress', requestId: request.requestId, status: 'queued', candles: 0, pages: 0, at: now() };
      await sql.query(`INSERT INTO ${t} (request_id, request, progress) VALUES ($1, $2, $3) ON CONFLICT (request_id) DO NOTHING`, [request.requestId, JSON.stringify(request), JSON.stringify(progress)]);
    },
    async status(requestId) {
      const { rows } = await sql.query<{ progress: unknown }>(`SELECT progress FROM ${t} WHERE request_id = $1`, [requestId]);
      const parsed = rows[0] === undefined ? null : BackfillProgress.safeParse(rows[0].progress);
      return parsed?.success === true ? parsed.data : null;
    },
  };
}

interface KeyRow { id: string; name: string; scopes: string[]; hash: string; created_at: string; revoked_at: string | null; last_used_at: string | null }

export function createSqlKeyStore(sql: SqlPort, schema: string): KeyStorePort {
  const t = tableRef(schema, 'api_keys');
  const toKey = (r: KeyRow): ApiKeyRecord => ({
    id: r.id, name: r.name, scopes: r.scopes as Scope[], hash: r.hash, createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at), lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  });
  return {
    async byId(id) {
      const { rows } = await sql.query<KeyRow>(`SELECT * FROM ${t} WHERE id = $1`, [id]);
      return rows[0] === undefined ? null : toKey(rows[0]);
    },
    async insert(k) {
      await sql.query(`INSERT INTO ${t} (id, name, scopes, hash, created_at, revoked_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [k.id, k.name, k.scopes, k.hash, k.createdAt, k.revokedAt, k.lastUsedAt]);
    },
    async list() {
      const { rows } = await sql.query<KeyRow>(`SELECT * FROM ${t} ORDER BY created_at, id`);
      return rows.map(toKey);
    },
    async revoke(id, at) {
      const { rows } = await sql.query(`UPDATE ${t} SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [id, at]);
      return rows.length > 0;
    },
  };
}

export function createSqlAuditLog(sql: SqlPort, schema: string): AuditLogPort {
  const t = tableRef(schema, 'audit_log');
  return {
    async record(e) {
      await sql.query(`INSERT INTO ${t} (at, key_id, tool, args_digest, outcome, latency_ms) VALUES ($1, $2, $3, $4, $5, $6)`, [e.at, e.keyId, e.tool, e.argsDigest, e.outcome, Math.round(e.latencyMs)]);
    },
  };
}
