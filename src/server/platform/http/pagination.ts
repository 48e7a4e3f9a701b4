/**
 * The cursor pagination convention used by every list: `?cursor=&limit=` → `{ items, nextCursor }`.
 * Cursors are opaque base64url JSON; a malformed one is a 400, never a 500.
 */
import { z } from 'zod';
import { ValidationError } from '../errors/index.js';

export const pageQuery = z.object({
  cursor: z.string().max(512).optional().describe('Opaque cursor from a previous page'),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Page size (1–500, default 50)'),
});

export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T extends z.ZodType>(
  cursor: string | undefined,
  schema: T,
): z.infer<T> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  throw new ValidationError('Invalid cursor: pass back the nextCursor value of a previous page unchanged', {
    fields: [{ location: 'querystring', path: 'cursor', message: 'is not a valid cursor' }],
  });
}
