/**
 * Property test at the service level (fast-check): random sequences of transitions, edits and rollbacks by random
 * roles against the default workflow. Whatever happens, content is always in a defined state, every accepted move
 * passed its guards (checked here against an independent reading of the definition), refused moves change nothing,
 * and the audit chain verifies at the end.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/server/platform/audit/index.js';
import { WORKSPACE_ROLES, type WorkspaceRole } from '../../src/server/platform/db/index.js';
import { isAppError } from '../../src/server/platform/errors/index.js';
import { DEFAULT_WORKFLOW, findTransition } from '../../src/server/modules/content/workflow/index.js';
import { createContentTestApp, VALID_POST, type ContentTestApp } from './content.fixture.js';

let c: ContentTestApp;
beforeAll(async () => {
  c = await createContentTestApp('prop');
});
afterAll(() => c?.close());

const STATES = DEFAULT_WORKFLOW.states.map((s) => s.key);
const ACTIONS = [...new Set(DEFAULT_WORKFLOW.transitions.map((t) => t.action))];
const BODIES = [
  VALID_POST.body,
  'Hello {{first_name}}, see https://example.com.',
  'Second draft, see [the docs](/relative).',
];

type Command =
  | { kind: 'transition'; role: WorkspaceRole; action: string; reason: boolean }
  | { kind: 'edit'; role: WorkspaceRole; body: number }
  | { kind: 'rollback'; role: WorkspaceRole; target: string };

const role = fc.constantFrom(...WORKSPACE_ROLES);
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('transition' as const),
      role,
      action: fc.constantFrom(...ACTIONS),
      reason: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('edit' as const),
      role,
      body: fc.nat({ max: BODIES.length - 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('rollback' as const),
      role,
      target: fc.constantFrom(...STATES),
    }),
  },
);

const rolesGuard = (action: string, state: string): readonly string[] => {
  const t = findTransition(DEFAULT_WORKFLOW, state, action)!;
  const g = t.guards.find((x) => x.kind === 'roles');
  return g && g.kind === 'roles' ? g.roles : WORKSPACE_ROLES;
};
const clean = (body: string) => !/\{\{/.test(body) && !body.includes('](/relative)');

let n = 0;
describe('content workflow property', () => {
  it('never reaches an undefined state, never skips a guard, and leaves a verifiable audit chain', async () => {
    const svc = c.module.content;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (commands) => {
        const created = await svc.create(c.actor('editor'), { ...VALID_POST, slug: `p-${++n}` });
        const id = created.item.id;
        const authors = new Set<string>([c.ws.users.editor.id]);
        const visited = new Set<string>(['draft']);
        let body = VALID_POST.body;
        let moves = 0;
        for (const cmd of commands) {
          const before = (await svc.get(c.actor('owner'), id)).item;
          const actor = c.actor(cmd.role);
          let outcome: unknown = null;
          try {
            if (cmd.kind === 'transition') {
              outcome = await svc.transition(actor, id, {
                action: cmd.action,
                reason: cmd.reason ? 'because' : undefined,
                expectedVersion: before.version,
              });
            } else if (cmd.kind === 'edit') {
              outcome = await svc.edit(actor, id, {
                expectedVersion: before.version,
                body: BODIES[cmd.body]!,
              });
            } else {
              outcome = await svc.rollback(actor, id, {
                target: cmd.target,
                reason: 'undo',
                expectedVersion: before.version,
              });
            }
          } catch (e) {
            if (!isAppError(e) || e.status >= 500) throw e;
          }
          const after = (await svc.get(c.actor('owner'), id)).item;
          expect(STATES).toContain(after.state);
          if (outcome === null) {
            // Refused: nothing changed.
            expect(after.version).toBe(before.version);
            expect(after.state).toBe(before.state);
            continue;
          }
          if (cmd.kind === 'transition') {
            const t = findTransition(DEFAULT_WORKFLOW, before.state, cmd.action);
            expect(t, `${cmd.action} from ${before.state} was accepted`).toBeDefined();
            expect(rolesGuard(cmd.action, before.state)).toContain(cmd.role);
            if (t!.requiresReason) expect(cmd.reason).toBe(true);
            if (cmd.action === 'approve') expect(authors.has(actor.userId!)).toBe(false);
            if (cmd.action === 'submit' || cmd.action === 'approve') expect(clean(body)).toBe(true);
            if (cmd.action === 'restore') expect(['editor', 'admin', 'owner']).toContain(cmd.role);
            expect(after.state).toBe(t!.to);
            moves++;
          } else if (cmd.kind === 'edit') {
            expect(cmd.role).not.toBe('viewer');
            // An edit that changes nothing is accepted in any state and keeps the version (idempotent writes).
            if (BODIES[cmd.body] === body) expect(after.version).toBe(before.version);
            else expect(before.state).not.toBe('archived');
            if (BODIES[cmd.body] !== body) {
              authors.add(actor.userId!);
              body = BODIES[cmd.body]!;
              if (before.state === 'approved' || before.state === 'published') {
                expect(after.state).toBe('review');
                moves++;
              }
            }
          } else {
            expect(['publisher', 'admin', 'owner']).toContain(cmd.role);
            expect(visited.has(cmd.target)).toBe(true);
            expect(cmd.target).not.toBe(before.state);
            expect(after.state).toBe(cmd.target);
            moves++;
          }
          visited.add(after.state);
        }
        const history = await svc.history(c.actor('viewer'), id);
        expect(history.transitions).toHaveLength(moves);
      }),
      { numRuns: 30 },
    );
    const audit = await verifyAuditChain(c.t.db.kysely, c.ws.workspaceId);
    expect(audit.ok).toBe(true);
  });
});
