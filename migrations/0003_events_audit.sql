-- Domain events and the audit log (DESIGN §6, ADR 0004).
--
-- Both logs number their rows per workspace from a counter row that the writer locks for the rest of its
-- transaction, so within a workspace commit order == sequence order and a reader that has seen N has seen 1..N.

CREATE TABLE workspace_event_seq (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  last bigint NOT NULL
);

CREATE TABLE events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  seq bigint NOT NULL CHECK (seq > 0),
  type text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$'),
  subject text NOT NULL DEFAULT '',
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- { kind, userId, tokenId, origin } of whoever caused the change.
  actor jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  UNIQUE (workspace_id, seq)
);
-- Filtered reads ("everything about this subject after N") without scanning the whole workspace.
CREATE INDEX events_subject_seq ON events (workspace_id, subject, seq);
CREATE INDEX events_type_seq ON events (workspace_id, type, seq);

CREATE TABLE audit_chain_head (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  last_seq bigint NOT NULL,
  last_hash text NOT NULL
);

CREATE TABLE audit_log (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  seq bigint NOT NULL CHECK (seq > 0),
  at timestamptz NOT NULL,
  actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'token', 'system')),
  actor_user_id uuid,
  actor_token_id uuid,
  origin text NOT NULL CHECK (origin IN ('api', 'cli', 'job')),
  action text NOT NULL,
  subject text NOT NULL DEFAULT '',
  before jsonb,
  after jsonb,
  ip text,
  user_agent text,
  request_id text,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  UNIQUE (workspace_id, seq)
);
CREATE INDEX audit_log_action_seq ON audit_log (workspace_id, action, seq);
CREATE INDEX audit_log_subject_seq ON audit_log (workspace_id, subject, seq);

-- Append-only by construction: an UPDATE is refused outright. DELETE stays possible because deleting a workspace
-- cascades; a deleted row breaks the hash chain (audit) or the sequence (events), which verification reports.
-- A superuser can still disable this trigger: that is what the audit hash chain is for.
CREATE FUNCTION switchboard_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE ON events
  FOR EACH ROW EXECUTE FUNCTION switchboard_refuse_update();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION switchboard_refuse_update();
