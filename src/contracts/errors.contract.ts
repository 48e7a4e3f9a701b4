/**
 * The API's error body, `{ error: { code, message, details, request_id } }` (src/server/platform/http/error-mapper.ts),
 * parsed by the web app and the CLI so every surface shows the same `code` and `message`.
 */
import { z } from 'zod';

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    request_id: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** One failed workflow guard, as listed in `details.failed` of TRANSITION_FORBIDDEN / TRANSITION_INVALID. */
export const failedGuardSchema = z.object({
  guard: z.string(),
  rule: z.string().optional(),
  message: z.string(),
});
export type FailedGuard = z.infer<typeof failedGuardSchema>;

export const transitionRejectionDetailsSchema = z.object({
  action: z.string(),
  from: z.string(),
  failed: z.array(failedGuardSchema),
});

/** Field problems of VALIDATION_FAILED (`details.fields`) and WORKFLOW_DEFINITION_INVALID (`details.problems`). */
export const fieldIssuesSchema = z.object({
  fields: z.array(z.object({ path: z.string(), message: z.string(), location: z.string().optional() })),
});
export const definitionProblemsSchema = z.object({
  problems: z.array(z.object({ path: z.string(), message: z.string() })),
});
