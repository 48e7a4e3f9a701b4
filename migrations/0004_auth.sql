-- Sessions, API tokens, login attempts and encrypted secrets (DESIGN §7).
-- Secrets are never stored in plain text: session ids and API tokens as sha256 hex, credentials AES-256-GCM.

CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ip text,
  user_agent text
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  -- The user who created it; null for tokens minted by the system (CLI maintenance). Its role caps the token's.
  created_by uuid REFERENCES users(id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'publisher', 'reviewer', 'editor', 'viewer')),
  token_hash text NOT NULL UNIQUE,
  -- First characters of the token, shown in lists so people can tell tokens apart without the secret.
  prefix text NOT NULL,
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL
);
CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id, created_at);

-- Failed and successful logins, counted per account and per IP over a window; in the DB so limits hold across
-- processes.
CREATE TABLE login_attempts (
  id bigserial PRIMARY KEY,
  email text NOT NULL,
  ip text NOT NULL,
  succeeded boolean NOT NULL,
  attempted_at timestamptz NOT NULL
);
CREATE INDEX login_attempts_email ON login_attempts (email, attempted_at) WHERE NOT succeeded;
CREATE INDEX login_attempts_ip ON login_attempts (ip, attempted_at) WHERE NOT succeeded;
CREATE INDEX login_attempts_time ON login_attempts (attempted_at);

-- Generic encrypted values (SecretBox ciphertexts). Modules with their own encrypted columns register them for key
-- rotation instead of using this table.
CREATE TABLE encrypted_secrets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid REFERENCES workspaces(id) ON DELETE CASCADE,
  name text NOT NULL,
  ciphertext text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX encrypted_secrets_name ON encrypted_secrets (coalesce(workspace_id, '00000000-0000-0000-0000-000000000000'::uuid), name);
