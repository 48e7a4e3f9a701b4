-- Event consumers (kernel), comments and review requests, notifications, external reviewer links (issue 3).

-- Where each durable event consumer is in each workspace's event log. The consume job advances `last_seq` in the
-- same transaction as the consumer's own writes, so a rolled-back batch leaves the cursor where it was and a
-- committed one is never handled again (exactly-once effects in the database).
CREATE TABLE event_consumer_cursors (
  consumer text NOT NULL CHECK (consumer ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  last_seq bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
  updated_at timestamptz NOT NULL,
  -- The last failure (cleared by the next successful batch), for operators.
  last_error text,
  PRIMARY KEY (consumer, workspace_id)
);

-- Threaded comments on one content version. An anchor pins a comment to a text range of the version's body.
CREATE TABLE review_comments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  content_id uuid NOT NULL REFERENCES content_items(id) ON DELETE CASCADE,
  version_id uuid NOT NULL REFERENCES content_versions(id) ON DELETE CASCADE,
  parent_id uuid REFERENCES review_comments(id) ON DELETE CASCADE,
  -- Null for comments left through an external reviewer link (reviewer_link_id is set instead).
  author_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  reviewer_link_id uuid,
  author_name text NOT NULL DEFAULT '',
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
  anchor_start int CHECK (anchor_start >= 0),
  anchor_end int,
  anchor_quote text,
  -- Workspace members @mentioned in the body (resolved when the comment is written).
  mentions uuid[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  CHECK ((anchor_start IS NULL) = (anchor_end IS NULL)),
  CHECK (anchor_end IS NULL OR anchor_end >= anchor_start)
);
CREATE INDEX review_comments_content ON review_comments (content_id, created_at, id);

CREATE TABLE review_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  content_id uuid NOT NULL REFERENCES content_items(id) ON DELETE CASCADE,
  version_id uuid NOT NULL REFERENCES content_versions(id) ON DELETE CASCADE,
  reviewer_user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  requested_by uuid REFERENCES users(id) ON DELETE SET NULL,
  message text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'cancelled')),
  created_at timestamptz NOT NULL,
  closed_at timestamptz
);
-- One open request per reviewer and content item: asking twice is a no-op, not a second notification.
CREATE UNIQUE INDEX review_requests_open ON review_requests (content_id, reviewer_user_id) WHERE status = 'pending';
CREATE INDEX review_requests_reviewer ON review_requests (workspace_id, reviewer_user_id, status);

-- In-app notifications, written by the notifications event consumer. (event_seq, user, kind) makes a re-delivered
-- event harmless even outside the consumer's exactly-once cursor (e.g. a manual replay).
CREATE TABLE notifications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind text NOT NULL,
  title text NOT NULL,
  body text NOT NULL DEFAULT '',
  subject text NOT NULL DEFAULT '',
  event_seq bigint NOT NULL,
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  read_at timestamptz,
  created_at timestamptz NOT NULL,
  UNIQUE (workspace_id, event_seq, user_id, kind)
);
CREATE INDEX notifications_user ON notifications (workspace_id, user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (workspace_id, user_id) WHERE read_at IS NULL;

-- Per-user overrides of the per-kind defaults (absent row = default).
CREATE TABLE notification_preferences (
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind text NOT NULL,
  in_app boolean NOT NULL,
  email boolean NOT NULL,
  PRIMARY KEY (workspace_id, user_id, kind)
);

-- Links for reviewers without an account: one version, one decision. Only a hash of the link secret is stored.
CREATE TABLE reviewer_links (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  content_id uuid NOT NULL REFERENCES content_items(id) ON DELETE CASCADE,
  version_id uuid NOT NULL REFERENCES content_versions(id) ON DELETE CASCADE,
  secret_hash text NOT NULL,
  reviewer_name text NOT NULL,
  reviewer_email text,
  created_by uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_by uuid REFERENCES users(id) ON DELETE SET NULL,
  used_at timestamptz,
  decision text CHECK (decision IN ('approve', 'reject')),
  decision_comment text
);
CREATE INDEX reviewer_links_content ON reviewer_links (content_id, created_at);
