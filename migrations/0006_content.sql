-- Content items, their immutable versions, workflow definitions, transition history and approvals (issue 3).
--
-- content_items.version is the optimistic-concurrency counter: every mutation bumps it and is made with
-- `WHERE version = expected`, so a stale writer updates nothing and gets CONTENT_VERSION_CONFLICT.

-- Versioned workflow definitions per workspace. A row is never updated: applying a definition adds version N+1.
CREATE TABLE workflow_definitions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  key text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  version int NOT NULL CHECK (version > 0),
  definition jsonb NOT NULL,
  created_by uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL,
  UNIQUE (workspace_id, key, version)
);

CREATE TABLE content_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('blog_post', 'email', 'social_post', 'landing_page', 'asset')),
  title text NOT NULL,
  slug text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,127}$'),
  owner_id uuid NOT NULL REFERENCES users(id),
  tags text[] NOT NULL DEFAULT '{}',
  locale text NOT NULL DEFAULT 'en',
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  state text NOT NULL,
  version int NOT NULL DEFAULT 1 CHECK (version > 0),
  -- Bumped on every state change: approvals count only in the round they were given in.
  review_round int NOT NULL DEFAULT 1,
  -- The definition this item follows (the built-in default when definition_id is null).
  definition_id uuid REFERENCES workflow_definitions(id),
  definition_key text NOT NULL DEFAULT 'default',
  definition_version int NOT NULL DEFAULT 1,
  current_version_id uuid,
  publish_at timestamptz,
  archive_at timestamptz,
  -- Set by the catalog when a linked product/bundle changed after this content was last edited.
  source_changed_at timestamptz,
  not_publishable_reason text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (workspace_id, slug, locale)
);
CREATE INDEX content_items_workspace_updated ON content_items (workspace_id, updated_at DESC, id);
CREATE INDEX content_items_workspace_state ON content_items (workspace_id, state);

-- Immutable: every edit (and every restore) adds a row; nothing updates one.
CREATE TABLE content_versions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  content_id uuid NOT NULL REFERENCES content_items(id) ON DELETE CASCADE,
  version int NOT NULL CHECK (version > 0),
  title text NOT NULL,
  body text NOT NULL DEFAULT '',
  body_format text NOT NULL DEFAULT 'markdown' CHECK (body_format IN ('markdown', 'html', 'json')),
  fields jsonb NOT NULL DEFAULT '{}'::jsonb,
  author_id uuid REFERENCES users(id) ON DELETE SET NULL,
  content_hash text NOT NULL,
  -- Set when this version restores an older one.
  restored_from int,
  created_at timestamptz NOT NULL,
  UNIQUE (content_id, version)
);
CREATE TRIGGER content_versions_append_only BEFORE UPDATE ON content_versions
  FOR EACH ROW EXECUTE FUNCTION switchboard_refuse_update();

ALTER TABLE content_items
  ADD CONSTRAINT content_items_current_version_fk FOREIGN KEY (current_version_id) REFERENCES content_versions(id);

CREATE TABLE content_links (
  content_id uuid NOT NULL REFERENCES content_items(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('product', 'bundle')),
  target_id uuid NOT NULL,
  PRIMARY KEY (content_id, kind, target_id)
);
-- The catalog looks up "content linked to product X".
CREATE INDEX content_links_target ON content_links (kind, target_id);

-- History of every state change (including rollbacks, scheduled and edit-triggered returns to review).
CREATE TABLE content_transitions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  content_id uuid NOT NULL REFERENCES content_items(id) ON DELETE CASCADE,
  from_state text NOT NULL,
  to_state text NOT NULL,
  action text NOT NULL,
  actor_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'token', 'system')),
  reason text,
  version int NOT NULL,
  content_hash text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX content_transitions_content_at ON content_transitions (content_id, at, id);

-- One user's vote for one action on one content hash, in a review round (bumped each time content re-enters the
-- state the approval was given in). Unique per round so two racing approvals by the same user count once.
CREATE TABLE content_approvals (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  content_id uuid NOT NULL REFERENCES content_items(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  action text NOT NULL,
  content_hash text NOT NULL,
  round int NOT NULL,
  at timestamptz NOT NULL,
  UNIQUE (content_id, round, action, user_id, content_hash)
);
