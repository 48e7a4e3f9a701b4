/**
 * HubSpot's error bodies, as the sandbox sends them. Every v3 API error looks like
 * `{ status: 'error', message, correlationId, category, subCategory?, errors?: [{ message, in?, code? }] }`;
 * a 429 adds `errorType: 'RATE_LIMIT'` and `policyName` (`TEN_SECONDLY_ROLLING`, `DAILY`). OAuth token errors use
 * `{ status: 'BAD_REFRESH_TOKEN', message, correlationId }`.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/** Documented HubSpot error categories the sandbox emits. */
export const HUBSPOT_ERROR_CATEGORIES = [
  'VALIDATION_ERROR',
  'INVALID_AUTHENTICATION',
  'EXPIRED_AUTHENTICATION',
  'MISSING_SCOPES',
  'OBJECT_NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITS',
  'INTERNAL_ERROR',
] as const;
export type HubSpotErrorCategory = (typeof HUBSPOT_ERROR_CATEGORIES)[number];

export interface HubSpotErrorDetail {
  message: string;
  in?: string;
  code?: string;
}

export function sendHubSpotError(
  reply: FastifyReply,
  status: number,
  category: HubSpotErrorCategory,
  message: string,
  extra: { subCategory?: string; errors?: HubSpotErrorDetail[] } = {},
): FastifyReply {
  return reply.code(status).send({
    status: 'error',
    message,
    correlationId: randomUUID(),
    category,
    ...extra,
  });
}

export const RATE_LIMIT_POLICIES = ['TEN_SECONDLY_ROLLING', 'DAILY'] as const;
export type RateLimitPolicyName = (typeof RATE_LIMIT_POLICIES)[number];

export function sendRateLimited(reply: FastifyReply, policyName: string): FastifyReply {
  const correlationId = randomUUID();
  return reply.code(429).send({
    status: 'error',
    message: `You have reached your ${policyName.toLowerCase()} limit.`,
    errorType: 'RATE_LIMIT',
    correlationId,
    policyName,
    category: 'RATE_LIMITS',
    requestId: randomUUID(),
  });
}

export function sendValidationError(reply: FastifyReply, message: string, field?: string): FastifyReply {
  return sendHubSpotError(reply, 400, 'VALIDATION_ERROR', message, {
    errors: [{ message, ...(field !== undefined ? { in: field } : {}), code: 'INVALID_INPUT' }],
  });
}

export function sendNotFound(reply: FastifyReply, what: string, id: string): FastifyReply {
  return sendHubSpotError(reply, 404, 'OBJECT_NOT_FOUND', `${what} ${id} not found`);
}
