-- Webhooks in and out (issue 5).
--
-- Outbound: a subscription receives the workspace's events that match its filters. Every event × subscription is
-- one message (the Standard Webhooks `webhook-id`), delivered by one durable job; every HTTP attempt is a row.
-- Inbound: a verified raw request is stored together with the job that parses it, in one transaction.

-- Per-workspace webhook settings: hosts (exact host names or IP literals) that outbound webhooks may reach even
-- though they resolve to loopback, private or link-local addresses.
CREATE TABLE webhook_settings (
  workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
  allowed_hosts jsonb NOT NULL DEFAULT '[]'::jsonb,
  updated_at timestamptz NOT NULL
);

CREATE TABLE webhook_subscriptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  url text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
  description text NOT NULL DEFAULT '',
  -- Exact event types and `prefix.*` entries; empty = every event.
  event_types jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- Optional `{ "path.to.field": value | [values] }` every entry of which must match the event payload.
  payload_filter jsonb,
  enabled boolean NOT NULL DEFAULT true,
  -- 'ordered': one message at a time, in event order (a queue lane per subscription); 'parallel': no lane.
  ordering text NOT NULL DEFAULT 'ordered' CHECK (ordering IN ('ordered', 'parallel')),
  -- SecretBox ciphertexts of `whsec_…` secrets. The previous secret keeps signing until previous_secret_until.
  secret_cipher text NOT NULL,
  previous_secret_cipher text,
  previous_secret_until timestamptz,
  -- Start of the current run of failed attempts (null after a success); 3 days of it disables the subscription.
  failing_since timestamptz,
  disabled_reason text,
  disabled_at timestamptz,
  created_by uuid REFERENCES users(id) ON DELETE SET NULL,
  version int NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX webhook_subscriptions_workspace ON webhook_subscriptions (workspace_id, created_at, id);

CREATE TABLE webhook_messages (
  -- The Standard Webhooks message id (`msg_…`): the same on every attempt and replay of this message.
  id text PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  subscription_id uuid NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
  -- The event this message carries (null for a ping).
  event_seq bigint,
  event_type text NOT NULL,
  -- The exact body sent; for payloads over the size limit a thin body, the full one in full_body.
  body text NOT NULL,
  full_body text,
  status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'dead')),
  attempts int NOT NULL DEFAULT 0,
  -- Bumped by every replay: the delivery job's dedupe key includes it.
  generation int NOT NULL DEFAULT 0,
  last_status int,
  last_error text,
  next_attempt_at timestamptz,
  created_at timestamptz NOT NULL,
  finished_at timestamptz,
  UNIQUE (subscription_id, event_seq)
);
CREATE INDEX webhook_messages_subscription ON webhook_messages (subscription_id, created_at DESC, id DESC);
CREATE INDEX webhook_messages_dead ON webhook_messages (subscription_id, created_at) WHERE status = 'dead';
CREATE INDEX webhook_messages_workspace ON webhook_messages (workspace_id, created_at DESC, id DESC);

CREATE TABLE webhook_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id text NOT NULL REFERENCES webhook_messages(id) ON DELETE CASCADE,
  workspace_id uuid NOT NULL,
  subscription_id uuid NOT NULL,
  attempt int NOT NULL,
  url text NOT NULL,
  -- Request headers as sent (signatures, never the secret).
  request_headers jsonb NOT NULL,
  response_status int,
  -- First 4 KiB of the response body.
  response_body text,
  error text,
  outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'refused', 'timeout', 'gone')),
  duration_ms int NOT NULL,
  started_at timestamptz NOT NULL
);
CREATE INDEX webhook_attempts_message ON webhook_attempts (message_id, id);

-- Inbound sources that are not connections: generic Standard Webhooks or HMAC-with-a-header senders.
CREATE TABLE inbound_webhook_endpoints (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  scheme text NOT NULL CHECK (scheme IN ('standard_webhooks', 'hmac_sha256')),
  secret_cipher text NOT NULL,
  -- hmac_sha256 only: the header carrying the signature, its encoding and an optional prefix (`sha256=`).
  signature_header text,
  signature_encoding text CHECK (signature_encoding IN ('hex', 'base64')),
  signature_prefix text NOT NULL DEFAULT '',
  -- Event type appended for each processed payload.
  event_type text NOT NULL DEFAULT 'webhook.received',
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX inbound_webhook_endpoints_workspace ON inbound_webhook_endpoints (workspace_id, created_at, id);

-- Verified inbound requests. `source_id` is the connection or endpoint id; (source_id, dedupe_id) rejects a replayed
-- webhook id (Standard Webhooks `webhook-id`, else a hash of the body).
CREATE TABLE inbound_webhooks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  source_kind text NOT NULL CHECK (source_kind IN ('connection', 'endpoint')),
  source_id uuid NOT NULL,
  vendor text NOT NULL,
  dedupe_id text NOT NULL,
  content_type text NOT NULL DEFAULT '',
  headers jsonb NOT NULL,
  body bytea NOT NULL,
  status text NOT NULL CHECK (status IN ('received', 'processed', 'failed')),
  error text,
  events_emitted int NOT NULL DEFAULT 0,
  attempts int NOT NULL DEFAULT 0,
  received_at timestamptz NOT NULL,
  processed_at timestamptz,
  UNIQUE (source_id, dedupe_id)
);
CREATE INDEX inbound_webhooks_workspace ON inbound_webhooks (workspace_id, received_at DESC, id DESC);
CREATE INDEX inbound_webhooks_failed ON inbound_webhooks (workspace_id, received_at DESC) WHERE status = 'failed';
