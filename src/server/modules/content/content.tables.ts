/**
 * Kysely view of `migrations/0006_content.sql`. The catalog reads `content_links` and sets
 * `content_items.source_changed_at` / `not_publishable_reason`; everything else is written only by this module.
 */
import type { Generated } from 'kysely';
import type { ContentType } from './workflow/index.js';

export const CONTENT_LINK_KINDS = ['product', 'bundle'] as const;
export type ContentLinkKind = (typeof CONTENT_LINK_KINDS)[number];

export const VERSION_BODY_FORMATS = ['markdown', 'html', 'json'] as const;
export type VersionBodyFormat = (typeof VERSION_BODY_FORMATS)[number];

export interface ContentTables {
  workflow_definitions: {
    id: Generated<string>;
    workspace_id: string;
    key: string;
    version: number;
    definition: unknown;
    created_by: string | null;
    created_at: Date;
  };
  content_items: {
    id: Generated<string>;
    workspace_id: string;
    type: ContentType;
    title: string;
    slug: string;
    owner_id: string;
    tags: Generated<string[]>;
    locale: Generated<string>;
    metadata: Generated<Record<string, unknown>>;
    state: string;
    version: Generated<number>;
    review_round: Generated<number>;
    definition_id: string | null;
    definition_key: Generated<string>;
    definition_version: Generated<number>;
    current_version_id: string | null;
    publish_at: Date | null;
    archive_at: Date | null;
    source_changed_at: Date | null;
    not_publishable_reason: string | null;
    created_at: Date;
    updated_at: Date;
  };
  content_versions: {
    id: Generated<string>;
    content_id: string;
    version: number;
    title: string;
    body: Generated<string>;
    body_format: Generated<VersionBodyFormat>;
    fields: Generated<Record<string, unknown>>;
    author_id: string | null;
    content_hash: string;
    restored_from: number | null;
    created_at: Date;
  };
  content_links: {
    content_id: string;
    kind: ContentLinkKind;
    target_id: string;
  };
  content_transitions: {
    id: Generated<string>;
    content_id: string;
    from_state: string;
    to_state: string;
    action: string;
    actor_user_id: string | null;
    actor_kind: 'user' | 'token' | 'system';
    reason: string | null;
    version: number;
    content_hash: string;
    at: Date;
  };
  content_approvals: {
    id: Generated<string>;
    content_id: string;
    user_id: string;
    action: string;
    content_hash: string;
    round: number;
    at: Date;
  };
}
