-- The publishing ledger (DESIGN §4, issue 4): one `deliveries` row per external effect, written before the effect is
-- attempted, in the transaction of the state change that causes it, together with its `delivery.attempt` job.
-- Every attempt is a `delivery_attempts` row written (and committed) BEFORE the vendor is called, so a crash leaves
-- evidence that a call may have happened.

-- Where a content item goes when it is published: one row per (connection, action).
CREATE TABLE content_destinations (
  content_id uuid NOT NULL REFERENCES content_items(id) ON DELETE CASCADE,
  connection_id uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  action text NOT NULL CHECK (action IN ('publishContent', 'createCampaign', 'uploadAsset')),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  position int NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (content_id, connection_id, action)
);
CREATE INDEX content_destinations_connection ON content_destinations (connection_id);

CREATE TABLE deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  -- RESTRICT: the ledger is history; a connection with deliveries is disabled, not deleted.
  connection_id uuid NOT NULL REFERENCES connections(id) ON DELETE RESTRICT,
  action text NOT NULL CHECK (action IN ('publishContent', 'unpublishContent', 'createCampaign', 'uploadAsset')),
  content_id uuid,
  content_version_id uuid,
  content_version int,
  content_hash text,
  payload_hash text NOT NULL,
  -- Unique per effect; doubles as the idempotency marker embedded in the vendor object for reconciliation.
  idempotency_key text NOT NULL UNIQUE,
  status text NOT NULL CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed', 'unknown', 'reconciled')),
  -- Why a pending delivery is not being attempted: the connection needs re-authorisation or is paused.
  paused_reason text,
  -- For unpublish: the delivery whose external object is taken down.
  target_delivery_id uuid REFERENCES deliveries(id) ON DELETE SET NULL,
  external_id text,
  external_url text,
  response_summary jsonb,
  last_error jsonb,
  attempt_count int NOT NULL DEFAULT 0,
  -- Bumped by every replay / resolve-retry / resume: the attempt job of an older generation is stale and stops.
  generation int NOT NULL DEFAULT 1,
  next_attempt_at timestamptz,
  -- A human decision on an `unknown` delivery: { outcome, note, externalId?, by, at }.
  resolution jsonb,
  trigger text NOT NULL DEFAULT 'manual',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  finished_at timestamptz
);
CREATE INDEX deliveries_workspace_created ON deliveries (workspace_id, created_at DESC, id DESC);
CREATE INDEX deliveries_status ON deliveries (workspace_id, status, created_at DESC);
CREATE INDEX deliveries_connection ON deliveries (connection_id, status, created_at DESC);
CREATE INDEX deliveries_content ON deliveries (content_id, created_at DESC) WHERE content_id IS NOT NULL;

CREATE TABLE delivery_attempts (
  delivery_id uuid NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  n int NOT NULL CHECK (n > 0),
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  duration_ms int,
  -- null while the call is in flight; then succeeded | retryable | rate_limited | auth_expired | invalid_request |
  -- not_found | disconnected | unknown_outcome | worker_lost | skipped.
  outcome text,
  -- The classified ConnectorError JSON (never the vendor's raw body, never secrets).
  error jsonb,
  -- The queue job that made the attempt.
  job_id text,
  PRIMARY KEY (delivery_id, n)
);
