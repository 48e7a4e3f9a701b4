/** Errors of the auth area; each carries a stable code and status (mapped to HTTP in one place). */
import { AppError, ConflictError, ForbiddenError, UnauthenticatedError } from '../errors/index.js';

/** Deliberately the same for unknown email, wrong password and disabled account: no user enumeration. */
export class InvalidCredentialsError extends UnauthenticatedError {
  constructor() {
    super('Invalid email or password');
    this.name = 'InvalidCredentialsError';
  }
}

/** 429 with `details.retryAfterSeconds`, which the error mapper turns into a Retry-After header. */
export class LoginRateLimitedError extends AppError {
  constructor(retryAfterSeconds: number) {
    super('LOGIN_RATE_LIMITED', 429, 'Too many login attempts; try again later', { retryAfterSeconds });
    this.name = 'LoginRateLimitedError';
  }
}

export class CsrfTokenInvalidError extends AppError {
  constructor() {
    super('CSRF_TOKEN_INVALID', 403, 'Missing or invalid X-CSRF-Token header');
    this.name = 'CsrfTokenInvalidError';
  }
}

/** A token or membership may never carry more than the role of whoever grants it. */
export class RoleTooHighError extends AppError {
  constructor(requested: string, ceiling: string) {
    super('ROLE_TOO_HIGH', 403, `Cannot grant role ${requested}: yours is ${ceiling}`, {
      requested,
      ceiling,
    });
    this.name = 'RoleTooHighError';
  }
}

export class PasswordChangeRequiredError extends AppError {
  constructor() {
    super(
      'PASSWORD_CHANGE_REQUIRED',
      403,
      'Change your one-time password first (POST /api/v1/auth/password)',
    );
    this.name = 'PasswordChangeRequiredError';
  }
}

/** The caller is not a member of the selected workspace (or of any). */
export class WorkspaceAccessError extends ForbiddenError {
  constructor(ref?: string) {
    super(ref ? `You are not a member of workspace ${ref}` : 'You are not a member of any workspace', {
      workspace: ref ?? null,
    });
    this.name = 'WorkspaceAccessError';
  }
}

export class EmailTakenError extends ConflictError {
  constructor() {
    super('EMAIL_TAKEN', 'A user with this email already exists');
    this.name = 'EmailTakenError';
  }
}

export class WorkspaceSlugTakenError extends ConflictError {
  constructor(slug: string) {
    super('WORKSPACE_SLUG_TAKEN', `Workspace slug ${slug} is taken`, { slug });
    this.name = 'WorkspaceSlugTakenError';
  }
}

export class MembershipExistsError extends ConflictError {
  constructor() {
    super('MEMBERSHIP_EXISTS', 'This user is already a member of the workspace');
    this.name = 'MembershipExistsError';
  }
}

/** True for a unique-constraint violation on both drivers (pg and PGlite both expose SQLSTATE as `code`). */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
}
