/** API keys and the audit log over the platform tables (sql/timescale/004_platform_tables.sql: api_keys, audit_log). */
import { AlertsMessage } from '../../../schemas/alerts.ts';
import type { ApiKeyRecord, AuditLogPort, EventsSourcePort, KeyStorePort, Scope, SqlPort } from '../ports.ts';

interface KeyRow { id: string; key_hash: string; label: string; scopes: string[]; created_ms: number; revoked_ms: number | null; last_used_ms: number | null }

const SELECT_KEY = `SELECT id, key_hash, label, scopes, extract(epoch FROM created_at) * 1000 AS created_ms,
  extract(epoch FROM revoked_at) * 1000 AS revoked_ms, extract(epoch FROM last_used_at) * 1000 AS last_used_ms FROM api_keys`;

function toKey(r: KeyRow): ApiKeyRecord {
  return {
    id: r.id, name: r.label, scopes: r.scopes as Scope[], hash: r.key_hash, createdAt: Math.round(Number(r.created_ms)),
    revokedAt: r.revoked_ms === null ? null : Math.round(Number(r.revoked_ms)), lastUsedAt: r.last_used_ms === null ? null : Math.round(Number(r.last_used_ms)),
  };
}

export function createPlatformKeyStore(sql: SqlPort): KeyStorePort {
  return {
    async byId(id) {
      const { rows } = await sql.query<KeyRow>(`${SELECT_KEY} WHERE id = $1`, [id]);
      return rows[0] === undefined ? null : toKey(rows[0]);
    },
    async insert(k) {
      // `prefix` is what a person sees in listings: the public part of the token, never the secret.
      await sql.query(`INSERT INTO api_keys (id, key_hash, prefix, label, scopes, created_at) VALUES ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0))`,
        [k.id, k.hash, `amk_${k.id}_`, k.name, k.scopes, k.createdAt]);
    },
    async list() {
      const { rows } = await sql.query<KeyRow>(`${SELECT_KEY} ORDER BY created_at, id`);
      return rows.map(toKey);
    },
    async revoke(id, at) {
      const { rows } = await sql.query(`UPDATE api_keys SET revoked_at = to_timestamp($2 / 1000.0) WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [id, at]);
      return rows.length > 0;
    },
  };
}

export function createPlatformAuditLog(sql: SqlPort): AuditLogPort {
  return {
    async recordBatch(entries) {
      if (entries.length === 0) return;
      // Column arrays through unnest: one fixed statement (one plan) whatever the batch size.
      await sql.query(`INSERT INTO audit_log (at, actor, action, subject, details)
        SELECT to_timestamp(a / 1000.0), k, 'mcp.tool_call', t, d::jsonb FROM unnest($1::float8[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u(a, k, t, d, n) ORDER BY n`,
      [entries.map((e) => e.at), entries.map((e) => e.keyId ?? 'anonymous'), entries.map((e) => e.tool),
        entries.map((e) => JSON.stringify({ argsDigest: e.argsDigest, outcome: e.outcome, latencyMs: Math.round(e.latencyMs) }))]);
    },
  };
}

/**
 * Events from the platform's alert_events table, ordered by (emitted_at, id); the position is `emittedAtMicros:id`
 * (exact: PostgreSQL's extract() is numeric).
 * The alerts/signals sinks stamp emitted_at when they emit, so new events sort after every position already handed out.
 */
export function createPlatformEventsSource(sql: SqlPort): EventsSourcePort {
  const split = (position: string): [string, string] => {
    const at = position.indexOf(':');
    return [position.slice(0, at), position.slice(at + 1)];
  };
  return {
    async since(q) {
      const [afterUs, afterId] = q.after === null || q.after === '' ? ['-1', ''] : split(q.after);
      const { rows } = await sql.query<{ id: string; emitted_us: string; payload: unknown }>(
        `SELECT id, (extract(epoch FROM emitted_at) * 1000000)::bigint AS emitted_us, payload FROM alert_events
          WHERE ((extract(epoch FROM emitted_at) * 1000000)::bigint, id) > ($1::bigint, $2) AND kind = ANY($3::text[]) AND ($4::text[] IS NULL OR symbol = ANY($4::text[]))
          ORDER BY emitted_at, id LIMIT $5`,
        [afterUs, afterId, q.kinds, q.symbols ?? null, q.limit]);
      return rows.flatMap((r) => {
        const parsed = AlertsMessage.safeParse(r.payload);
        return parsed.success ? [{ position: `${r.emitted_us}:${r.id}`, event: parsed.data }] : [];
      });
    },
    async head() {
      const { rows } = await sql.query<{ id: string; emitted_us: string }>(
        `SELECT id, (extract(epoch FROM emitted_at) * 1000000)::bigint AS emitted_us FROM alert_events ORDER BY emitted_at DESC, id DESC LIMIT 1`);
      return rows[0] === undefined ? null : `${rows[0].emitted_us}:${rows[0].id}`;
    },
    isPosition: (p) => p === '' || /^\d{1,17}:[^\s]{1,200}$/.test(p),
  };
}
