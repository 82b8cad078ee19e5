-- Alert rules as the MCP server creates them and the alerts function reads them (schemas/alert-rule.ts).
-- The columns of 004 stay the queryable summary; `rule` holds the full rule JSON as submitted (what the alerts
-- function evaluates), `status` the MCP lifecycle (active/paused/expired/triggered; `active` mirrors status = 'active'),
-- `owner_key_id` the API key that created the rule (rules are listed and changed per key).
ALTER TABLE alert_rules ADD COLUMN IF NOT EXISTS name         text;
ALTER TABLE alert_rules ADD COLUMN IF NOT EXISTS message      text;
ALTER TABLE alert_rules ADD COLUMN IF NOT EXISTS severity     text NOT NULL DEFAULT 'info' CHECK (severity IN ('info', 'warning', 'critical'));
-- trigger.intervalMs of once_per_interval rules (frequency holds trigger.mode).
ALTER TABLE alert_rules ADD COLUMN IF NOT EXISTS interval_ms  bigint CHECK (interval_ms IS NULL OR interval_ms >= 1000);
ALTER TABLE alert_rules ADD COLUMN IF NOT EXISTS rule         jsonb;
ALTER TABLE alert_rules ADD COLUMN IF NOT EXISTS status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'expired', 'triggered'));
ALTER TABLE alert_rules ADD COLUMN IF NOT EXISTS owner_key_id text;
-- AlertRule.exchange is optional: absent = any exchange.
ALTER TABLE alert_rules ALTER COLUMN exchange DROP NOT NULL;

CREATE INDEX IF NOT EXISTS alert_rules_owner_key ON alert_rules (owner_key_id, created_at, id);
