import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_RETRY, defineJobs, mergeJobCatalogs, type JobPayload } from './job-catalog.js';

describe('defineJobs', () => {
  it('infers each handler payload from its schema and fills defaults', () => {
    const catalog = defineJobs({
      'email.send': {
        payload: z.object({ to: z.email(), workspaceId: z.string() }),
        retry: { maxAttempts: 5 },
        orderingKey: (p) => `ws:${p.workspaceId}`,
        handler: (p, ctx) => {
          expectTypeOf(p).toEqualTypeOf<{ to: string; workspaceId: string }>();
          expectTypeOf(ctx.attempt).toBeNumber();
        },
      },
    });
    expectTypeOf<JobPayload<NonNullable<typeof catalog.schemas>, 'email.send'>>().toEqualTypeOf<{
      to: string;
      workspaceId: string;
    }>();
    const def = catalog.definitions.get('email.send')!;
    expect(def.retry).toEqual({ ...DEFAULT_RETRY, maxAttempts: 5 });
    expect(def.priority).toBe(0);
    expect(def.orderingKey!({ to: 'a@b.c', workspaceId: 'w1' })).toBe('ws:w1');
  });

  it('rejects undotted names and impossible retry policies', () => {
    const handler = () => {};
    expect(() => defineJobs({ sendEmail: { payload: z.object({}), handler } })).toThrow(/dotted/);
    expect(() =>
      defineJobs({ 'a.b': { payload: z.object({}), handler, retry: { baseMs: 10, maxMs: 5 } } }),
    ).toThrow(/invalid retry/);
  });

  it('merges module catalogs and refuses a name defined twice', () => {
    const a = defineJobs({ 'a.one': { payload: z.object({}), handler: () => {} } });
    const b = defineJobs({ 'b.one': { payload: z.object({}), handler: () => {} } });
    expect([...mergeJobCatalogs(a, b).definitions.keys()]).toEqual(['a.one', 'b.one']);
    expect(() => mergeJobCatalogs(a, a)).toThrow(/defined twice/);
  });
});
