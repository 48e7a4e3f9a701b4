-- Connections: configured accounts on external platforms (issue 4).
--
-- Credentials and OAuth tokens are SecretBox ciphertexts (registered for key rotation); they are never returned by
-- the API. credentials_version counts credential writes, so a runtime cached in a process notices a change. The health
-- columns are updated by every connector call (success, classified error, breaker state, token expiry, rate budget).

CREATE TABLE connections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  -- The connector id from the registry (`hubspot`, `marketo`).
  vendor text NOT NULL CHECK (vendor ~ '^[a-z][a-z0-9_]{0,39}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  base_url text NOT NULL CHECK (base_url ~ '^https?://'),
  config jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- JSON of the connector's credentialsSchema, sealed; null for an OAuth connection not yet authorised.
  credentials_cipher text,
  credentials_version int NOT NULL DEFAULT 0,
  -- JSON { accessToken, refreshToken?, expiresAt? } obtained by OAuth or client credentials, sealed.
  tokens_cipher text,
  token_expires_at timestamptz,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reauth', 'paused', 'disabled')),
  status_reason text,
  -- Sandbox connections point at a local emulator and are labelled everywhere.
  sandbox boolean NOT NULL DEFAULT false,
  -- Created or updated from MARKETING_PLATFORM at start-up (at most one per workspace and vendor).
  env_default boolean NOT NULL DEFAULT false,
  -- Optional override of the vendor's documented budget (e.g. a HubSpot Enterprise portal): RateLimitPolicy JSON.
  rate_limit jsonb,
  last_success_at timestamptz,
  last_error_at timestamptz,
  -- The classified ConnectorError JSON of the last failure.
  last_error jsonb,
  breaker_state text NOT NULL DEFAULT 'closed' CHECK (breaker_state IN ('closed', 'open', 'half_open', 'isolated')),
  -- { remaining?, resetMs?, observedAt } from the vendor's rate-limit headers.
  rate_budget jsonb,
  -- Deliveries wait until then (Marketo daily quota exhausted, vendor said the account is unusable for a while).
  paused_until timestamptz,
  created_by uuid REFERENCES users(id) ON DELETE SET NULL,
  version int NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (workspace_id, name)
);
CREATE INDEX connections_workspace ON connections (workspace_id, created_at, id);
CREATE UNIQUE INDEX connections_env_default ON connections (workspace_id, vendor) WHERE env_default;

-- OAuth2 authorization-code + PKCE flows in progress. `state` is stored as sha256 (it travels in URLs); the PKCE
-- verifier is sealed. A state is single use and expires.
CREATE TABLE connection_oauth_states (
  state_hash text PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  connection_id uuid NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  verifier_cipher text NOT NULL,
  redirect_uri text NOT NULL,
  created_by uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX connection_oauth_states_expiry ON connection_oauth_states (expires_at);
