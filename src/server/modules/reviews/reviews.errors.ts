/** Errors of the review module: comments, review requests and external reviewer links. */
import { AppError, ConflictError } from '../../platform/errors/index.js';

/** 410 LINK_EXPIRED: past its expiry; ask for a new link. */
export class LinkExpiredError extends AppError {
  constructor(linkId: string, expiredAt: Date) {
    super('LINK_EXPIRED', 410, 'This review link has expired; ask for a new one', {
      linkId,
      expiredAt: expiredAt.toISOString(),
    });
    this.name = 'LinkExpiredError';
  }
}

/** 410 LINK_REVOKED: withdrawn by a reviewer or admin. */
export class LinkRevokedError extends AppError {
  constructor(linkId: string) {
    super('LINK_REVOKED', 410, 'This review link has been revoked', { linkId });
    this.name = 'LinkRevokedError';
  }
}

/** 410 LINK_ALREADY_USED: a link carries one decision. */
export class LinkAlreadyUsedError extends AppError {
  constructor(linkId: string, decision: string | null, usedAt: Date) {
    super('LINK_ALREADY_USED', 410, 'This review link has already been used', {
      linkId,
      decision,
      usedAt: usedAt.toISOString(),
    });
    this.name = 'LinkAlreadyUsedError';
  }
}

/** 403 LINK_SIGNATURE_INVALID: the link exists but the secret part does not match. */
export class LinkSignatureInvalidError extends AppError {
  constructor() {
    super('LINK_SIGNATURE_INVALID', 403, 'This review link is not valid');
    this.name = 'LinkSignatureInvalidError';
  }
}

/** 404 LINK_NOT_FOUND: malformed, or no such link (deliberately the same answer). */
export class LinkNotFoundError extends AppError {
  constructor() {
    super('LINK_NOT_FOUND', 404, 'No such review link');
    this.name = 'LinkNotFoundError';
  }
}

/** 409 LINK_VERSION_STALE: the content was edited after the link was made; the link's version is no longer current. */
export class LinkVersionStaleError extends ConflictError {
  constructor(linkId: string) {
    super(
      'LINK_VERSION_STALE',
      'The content has changed since this link was created; a decision on the old version no longer applies',
      { linkId },
    );
    this.name = 'LinkVersionStaleError';
  }
}

/** 403 LINK_CREATOR_NOT_AUTHORIZED: the member who vouched for the link may no longer approve. */
export class LinkCreatorNotAuthorizedError extends AppError {
  constructor(linkId: string) {
    super(
      'LINK_CREATOR_NOT_AUTHORIZED',
      403,
      'The person who created this link can no longer approve content; ask for a new link',
      { linkId },
    );
    this.name = 'LinkCreatorNotAuthorizedError';
  }
}

/** 422 MENTION_NOT_MEMBER: an explicitly mentioned user is not a member of the workspace. */
export class MentionNotMemberError extends AppError {
  constructor(userIds: string[]) {
    super('MENTION_NOT_MEMBER', 422, 'Mentioned users must be members of this workspace', { userIds });
    this.name = 'MentionNotMemberError';
  }
}

/** 422 REVIEWER_NOT_MEMBER: review requests go to workspace members only. */
export class ReviewerNotMemberError extends AppError {
  constructor(userIds: string[]) {
    super('REVIEWER_NOT_MEMBER', 422, 'Reviewers must be members of this workspace', { userIds });
    this.name = 'ReviewerNotMemberError';
  }
}

/** 422 COMMENT_ANCHOR_INVALID: the anchor's range is outside the version's body. */
export class CommentAnchorInvalidError extends AppError {
  constructor(message: string) {
    super('COMMENT_ANCHOR_INVALID', 422, message);
    this.name = 'CommentAnchorInvalidError';
  }
}
