-- Idempotency-Key support for unsafe POSTs: same key + same request → the stored response; different request → 422.
CREATE TABLE idempotency_keys (
  scope text NOT NULL,            -- workspace id + actor (user or token) the key belongs to
  key text NOT NULL,
  request_hash text NOT NULL,     -- sha256 of method, route and body
  state text NOT NULL CHECK (state IN ('in_progress', 'completed')),
  status_code integer,
  content_type text,
  response_body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
