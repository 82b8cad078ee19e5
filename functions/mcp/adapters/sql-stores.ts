/** Events, API keys and audit log over the tables of ./sql-schema.ts (alert rules: ./platform-rules.ts; backfills: the analytics-requests topic). */
import { AlertsMessage } from '../../../schemas/alerts.ts';
import type {
  ApiKeyRecord, AuditLogPort, EventsSourcePort, KeyStorePort, Scope, SqlPort,
} from '../ports.ts';
import { tableRef } from './sql-schema.ts';

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
    async recordBatch(entries) {
      if (entries.length === 0) return;
      // Column arrays through unnest: one fixed statement (one plan) whatever the batch size; ids follow the input order.
      await sql.query(`INSERT INTO ${t} (at, key_id, tool, args_digest, outcome, latency_ms)
        SELECT a, k, tl, d, o, l FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[]) WITH ORDINALITY AS u(a, k, tl, d, o, l, n) ORDER BY n`,
      [entries.map((e) => e.at), entries.map((e) => e.keyId), entries.map((e) => e.tool), entries.map((e) => e.argsDigest), entries.map((e) => e.outcome), entries.map((e) => Math.round(e.latencyMs))]);
    },
  };
}
