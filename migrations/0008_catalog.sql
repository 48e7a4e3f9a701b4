-- Catalog: products, bundles of products, and the propagation of product changes into bundles (issue 3).
--
-- products.version and bundles.version are the optimistic-concurrency counters (If-Match). A bundle keeps a
-- denormalized snapshot of its products; bundle_items.synced_version says which product version the snapshot holds,
-- so propagation is idempotent by product version and never moves a snapshot backwards.

CREATE TABLE products (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  sku text NOT NULL CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  description text NOT NULL DEFAULT '',
  -- Exact decimal; the API carries it as a string ("19.99") so no float ever touches a price.
  price numeric(14, 4) NOT NULL CHECK (price >= 0),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  image_url text,
  status text NOT NULL CHECK (status IN ('active', 'discontinued', 'draft')),
  version int NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (workspace_id, sku)
);
CREATE INDEX products_workspace_updated ON products (workspace_id, updated_at DESC, id);

CREATE TABLE bundles (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  description text NOT NULL DEFAULT '',
  body text NOT NULL DEFAULT '',
  image_url text,
  -- [{ productId, sku, name, description, price, currency, imageUrl, status, version }] in item order.
  snapshot jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- Derived from the snapshot: set while any product in it is discontinued.
  not_publishable_reason text,
  -- Bumped by edits of the bundle itself, not by snapshot refreshes (those are derived data, not a competing edit).
  version int NOT NULL DEFAULT 1 CHECK (version > 0),
  snapshot_updated_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX bundles_workspace_updated ON bundles (workspace_id, updated_at DESC, id);

CREATE TABLE bundle_items (
  bundle_id uuid NOT NULL REFERENCES bundles(id) ON DELETE CASCADE,
  -- RESTRICT: a product in a bundle cannot be deleted (discontinue it instead).
  product_id uuid NOT NULL REFERENCES products(id) ON DELETE RESTRICT,
  position int NOT NULL,
  quantity int NOT NULL CHECK (quantity > 0),
  synced_version int NOT NULL,
  PRIMARY KEY (bundle_id, product_id)
);
-- Propagation walks "bundles containing product X that are behind version V".
CREATE INDEX bundle_items_product ON bundle_items (product_id, synced_version, bundle_id);

-- One row per product change that propagates (one per product version), the status the API exposes.
CREATE TABLE product_propagations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  product_id uuid NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  product_version int NOT NULL,
  changed_fields text[] NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'running', 'done')),
  bundles_total int NOT NULL DEFAULT 0,
  bundles_updated int NOT NULL DEFAULT 0,
  content_flagged int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  started_at timestamptz,
  finished_at timestamptz,
  UNIQUE (product_id, product_version)
);
