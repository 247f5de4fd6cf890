import type { Migration } from './migration.js';

/**
 * What the gateway keeps besides resources: idempotent answers, the append-only audit trail,
 * the delivery outbox and the job table (one instance runs a job at a time).
 */
export const gateway: Migration = {
  version: 2,
  name: 'gateway',
  sql: `
CREATE TABLE idempotency (
  key text PRIMARY KEY,
  request_hash text NOT NULL,
  status integer NOT NULL,
  body jsonb,
  created_at timestamptz NOT NULL
);
CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE audit_event (
  id text PRIMARY KEY,
  recorded timestamptz NOT NULL,
  patient text,
  agent_organization text,
  content jsonb NOT NULL
);
CREATE INDEX audit_event_recorded ON audit_event (recorded, id);
CREATE INDEX audit_event_patient ON audit_event (patient, recorded) WHERE patient IS NOT NULL;
CREATE INDEX audit_event_agent_organization ON audit_event (agent_organization, recorded) WHERE agent_organization IS NOT NULL;

-- The audit trail is evidence (NEN 7513): the database itself refuses to change or remove it.
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'audit_event is append-only';
END
$fn$;
CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();

CREATE TABLE outbox (
  id text PRIMARY KEY,
  receiver text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_receiver ON outbox (receiver, status);

CREATE TABLE job (
  name text PRIMARY KEY,
  locked_until timestamptz,
  owner text,
  last_run timestamptz,
  last_error text
);
`,
};
