/** Kysely view of the review tables in `migrations/0007_reviews.sql`. */
import type { ColumnType, Generated } from 'kysely';

export const REVIEW_REQUEST_STATUSES = ['pending', 'completed', 'cancelled'] as const;
export type ReviewRequestStatus = (typeof REVIEW_REQUEST_STATUSES)[number];

export const LINK_DECISIONS = ['approve', 'reject'] as const;
export type LinkDecision = (typeof LINK_DECISIONS)[number];

export interface ReviewTables {
  review_comments: {
    id: Generated<string>;
    workspace_id: string;
    content_id: string;
    version_id: string;
    parent_id: string | null;
    author_user_id: string | null;
    reviewer_link_id: string | null;
    author_name: Generated<string>;
    body: string;
    anchor_start: number | null;
    anchor_end: number | null;
    anchor_quote: string | null;
    mentions: ColumnType<string[], string[] | undefined, string[]>;
    created_at: Date;
  };
  review_requests: {
    id: Generated<string>;
    workspace_id: string;
    content_id: string;
    version_id: string;
    reviewer_user_id: string;
    requested_by: string | null;
    message: Generated<string>;
    status: Generated<ReviewRequestStatus>;
    created_at: Date;
    closed_at: Date | null;
  };
  reviewer_links: {
    id: Generated<string>;
    workspace_id: string;
    content_id: string;
    version_id: string;
    secret_hash: string;
    reviewer_name: string;
    reviewer_email: string | null;
    created_by: string | null;
    created_at: Date;
    expires_at: Date;
    revoked_at: Date | null;
    revoked_by: string | null;
    used_at: Date | null;
    decision: LinkDecision | null;
    decision_comment: string | null;
  };
}
