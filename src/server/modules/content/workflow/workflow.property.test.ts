/**
 * Property: random sequences of actions, edits and rollbacks by random users in random roles, against the default
 * and the legal-review definitions,
 * - never reach a state the definition does not have;
 * - never apply a transition whose guards fail, and never refuse one whose guards pass, judged by an independent
 *   oracle below that re-reads the definition with plain code and hand-declared facts about the content;
 * - never count an approval across content hashes (an edit in review voids earlier votes) or twice for one user.
 *
 * The third clause of the property, "always leave an audit chain that verifies", needs the audit log and
 * belongs to the service-layer version of this test.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WORKSPACE_ROLES, type WorkspaceRole } from '../../../platform/db/identity.tables.js';
import { LEGAL_REVIEW_WORKFLOW } from './legal-review.fixture.js';
import { DEFAULT_WORKFLOW } from './workflow.default.js';
import { evaluateTransition } from './workflow.evaluate.js';
import { stateAfterEdit, validateRollbackTarget } from './workflow.history.js';
import type { ContentType, ValidationRule, WorkflowDefinition } from './workflow.schema.js';
import type { Approval, ContentSnapshot } from './workflow.types.js';

/** Content versions the random editors write, with the facts the oracle judges them by (declared, not parsed). */
interface Variant {
  readonly type: ContentType;
  readonly fields: Record<string, unknown>;
  readonly body: string;
  readonly missing: readonly string[];
  readonly lengths: Readonly<Record<string, number>>;
  readonly variables: readonly string[];
  readonly badLinks: boolean;
}

const VARIANTS: readonly Variant[] = [
  {
    type: 'blog_post',
    fields: { title: 'T' },
    body: 'Read [x](https://e.com)',
    missing: [],
    lengths: { title: 1, body: 23 },
    variables: [],
    badLinks: false,
  },
  {
    type: 'blog_post',
    fields: {},
    body: 'No title here',
    missing: ['title'],
    lengths: { body: 13 },
    variables: [],
    badLinks: false,
  },
  {
    type: 'blog_post',
    fields: { title: 'T' },
    body: 'See [x](/relative)',
    missing: [],
    lengths: { title: 1, body: 18 },
    variables: [],
    badLinks: true,
  },
  {
    type: 'blog_post',
    fields: { title: 'T' },
    body: 'Hi {{ name }}',
    missing: [],
    lengths: { title: 1, body: 13 },
    variables: ['name'],
    badLinks: false,
  },
  {
    type: 'email',
    fields: { title: 'T', subject: 'S' },
    body: 'Dear {{ contact.first_name }}',
    missing: [],
    lengths: { title: 1, subject: 1, body: 29 },
    variables: ['contact.first_name'],
    badLinks: false,
  },
  {
    type: 'social_post',
    fields: {},
    body: 'x'.repeat(300),
    missing: ['title'],
    lengths: { body: 300 },
    variables: [],
    badLinks: false,
  },
  {
    type: 'social_post',
    fields: {},
    body: 'Short [l](mailto:a@b.co)',
    missing: ['title'],
    lengths: { body: 24 },
    variables: [],
    badLinks: false,
  },
];

const USERS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'] as const;
const OWNER = 'u0';

type Command =
  /**
   * Take an action. Mostly one that leaves the current state (`pick` chooses which), so walks get deep; sometimes
   * (`wild`) any action name, including ones that do not exist here.
   */
  | {
      kind: 'act';
      user: number;
      role: WorkspaceRole;
      pick: number;
      wild: string | null;
      reason: string | undefined;
    }
  | { kind: 'edit'; user: number; variant: number }
  | { kind: 'rollback'; target: string };

interface Model {
  state: string;
  history: string[];
  authors: Set<string>;
  approvals: Approval[];
  variant: number;
  hash: string;
  edits: number;
}

function isRuleViolated(rule: ValidationRule, v: Variant): boolean {
  switch (rule.kind) {
    case 'required_fields':
      return (rule.byType[v.type] ?? []).some((f) => v.missing.includes(f));
    case 'max_length': {
      const max = rule.byType[v.type];
      const length = v.lengths[rule.field];
      return max !== undefined && length !== undefined && length > max;
    }
    case 'no_unresolved_variables': {
      const allow = rule.allow ?? [];
      const allowed = (name: string) =>
        allow.some((p) => (p.endsWith('.*') ? name.startsWith(p.slice(0, -1)) : name === p));
      return v.variables.some((name) => !allowed(name));
    }
    case 'links_well_formed':
      return v.badLinks;
  }
}

interface Verdict {
  available: boolean;
  passes: boolean;
  forbidden: boolean;
  completes: boolean;
  recordsApproval: boolean;
}

/** The oracle: what the definition says should happen, computed without the engine's code. */
function judge(
  def: WorkflowDefinition,
  m: Model,
  userId: string,
  role: WorkspaceRole,
  action: string,
  reason?: string,
): Verdict {
  const t = def.transitions.find((x) => x.action === action && x.from.includes(m.state));
  if (!t)
    return { available: false, passes: false, forbidden: false, completes: false, recordsApproval: false };
  const variant = VARIANTS[m.variant] as Variant;
  let forbidden = false;
  let invalid = t.requiresReason === true && (reason ?? '').trim() === '';
  let completes = true;
  let recordsApproval = false;
  for (const g of t.guards) {
    if (g.kind === 'roles' && !g.roles.includes(role)) forbidden = true;
    if (g.kind === 'owner_or_admin' && userId !== OWNER && role !== 'admin' && role !== 'owner')
      forbidden = true;
    if (g.kind === 'not_author' && m.authors.has(userId)) forbidden = true;
    if (g.kind === 'validation' && g.rules.some((r) => isRuleViolated(r, variant))) invalid = true;
    if (g.kind === 'min_approvals') {
      const voters = new Set(
        m.approvals.filter((a) => a.action === action && a.contentHash === m.hash).map((a) => a.userId),
      );
      if (voters.has(userId)) invalid = true;
      recordsApproval = true;
      completes = voters.size + 1 >= g.count;
    }
  }
  return { available: true, passes: !forbidden && !invalid, forbidden, completes, recordsApproval };
}

function snapshot(m: Model): ContentSnapshot {
  const v = VARIANTS[m.variant] as Variant;
  return {
    ownerId: OWNER,
    authorIds: [...m.authors],
    type: v.type,
    fields: v.fields,
    body: v.body,
    approvals: m.approvals,
    contentHash: m.hash,
  };
}

function moveTo(m: Model, state: string): void {
  m.state = state;
  m.history.push(state);
  // A new review round: the service keeps only approvals recorded since the content entered its current state.
  m.approvals = [];
}

/** What the walks exercised, so a run that never reaches the interesting cases fails instead of passing. */
const coverage = new Set<string>();

function runCommand(def: WorkflowDefinition, m: Model, cmd: Command): void {
  if (cmd.kind === 'edit') {
    const userId = USERS[cmd.user] as string;
    m.variant = cmd.variant;
    m.edits += 1;
    m.hash = `v${cmd.variant}-e${m.edits}`;
    m.authors.add(userId);
    const outcome = stateAfterEdit(def, m.state);
    if (outcome.returnedToReview) {
      coverage.add('returned to review');
      expect(outcome.reason).toBeTruthy();
      moveTo(m, outcome.state);
    }
    return;
  }
  if (cmd.kind === 'rollback') {
    const result = validateRollbackTarget(def, m.history, m.state, cmd.target);
    const expected =
      m.history.includes(cmd.target) &&
      cmd.target !== m.state &&
      def.states.some((s) => s.key === cmd.target);
    expect(result.ok).toBe(expected);
    if (result.ok) {
      coverage.add('rolled back');
      moveTo(m, result.target);
    }
    return;
  }
  const userId = USERS[cmd.user] as string;
  const here = def.transitions.filter((t) => t.from.includes(m.state));
  const action = cmd.wild ?? here[cmd.pick % Math.max(here.length, 1)]?.action ?? 'teleport';
  const verdict = judge(def, m, userId, cmd.role, action, cmd.reason);
  const result = evaluateTransition({
    definition: def,
    currentState: m.state,
    action,
    actor: { userId, role: cmd.role },
    content: snapshot(m),
    reason: cmd.reason,
  });
  expect(result.ok).toBe(verdict.passes);
  if (!result.ok) {
    coverage.add(result.code);
    const code = !verdict.available
      ? 'TRANSITION_NOT_AVAILABLE'
      : verdict.forbidden
        ? 'TRANSITION_FORBIDDEN'
        : 'TRANSITION_INVALID';
    expect(result.code).toBe(code);
    expect(result.failed.length).toBeGreaterThan(0);
    return;
  }
  expect(result.completes).toBe(verdict.completes);
  expect(result.approvalRecorded).toBe(verdict.recordsApproval);
  if (result.approvalRecorded && !result.completes) coverage.add('approval waits for more votes');
  if (result.approvalRecorded && m.approvals.some((a) => a.contentHash !== m.hash))
    coverage.add('vote next to voided votes');
  if (result.approvalRecorded) m.approvals.push({ userId, action, contentHash: m.hash });
  if (result.completes) moveTo(m, result.to);
}

function commandArb(def: WorkflowDefinition): fc.Arbitrary<Command> {
  const actions = [...new Set(def.transitions.map((t) => t.action)), 'teleport'];
  const states = [...def.states.map((s) => s.key), 'ghost'];
  const user = fc.integer({ min: 0, max: USERS.length - 1 });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('act' as const),
        user,
        role: fc.constantFrom(...WORKSPACE_ROLES),
        pick: fc.nat({ max: 20 }),
        wild: fc.oneof(
          { weight: 4, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.constantFrom(...actions) },
        ),
        reason: fc.constantFrom(undefined, '', ' ', 'because'),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('edit' as const),
        user,
        // Mostly the valid version, so validation does not block every walk.
        variant: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, fc.nat({ max: VARIANTS.length - 1 })),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('rollback' as const), target: fc.constantFrom(...states) }),
    },
  );
}

function checkDefinition(def: WorkflowDefinition): { reached: Map<string, number> } {
  const keys = new Set(def.states.map((s) => s.key));
  const initial = def.states.find((s) => s.initial)?.key as string;
  /** State → in how many runs it was reached. */
  const reached = new Map<string, number>();
  fc.assert(
    fc.property(fc.array(commandArb(def), { minLength: 40, maxLength: 120 }), (commands) => {
      const m: Model = {
        state: initial,
        history: [initial],
        authors: new Set([OWNER]),
        approvals: [],
        variant: 0,
        hash: 'v0-e0',
        edits: 0,
      };
      const seen = new Set<string>();
      for (const cmd of commands) {
        runCommand(def, m, cmd);
        expect(keys.has(m.state)).toBe(true);
        seen.add(m.state);
      }
      for (const state of seen) reached.set(state, (reached.get(state) ?? 0) + 1);
    }),
    { numRuns: 400 },
  );
  return { reached };
}

describe('workflow engine properties', () => {
  it.each([
    ['default', DEFAULT_WORKFLOW],
    ['legal review', LEGAL_REVIEW_WORKFLOW],
  ])('%s definition: defined states only, guards never skipped, approvals pinned to hash', (_name, def) => {
    coverage.clear();
    const { reached } = checkDefinition(def);
    // Guard against a vacuous run: the random walks must get through the whole workflow and hit every outcome.
    expect([...reached.keys()].sort()).toEqual(def.states.map((s) => s.key).sort());
    const expected = [
      'TRANSITION_FORBIDDEN',
      'TRANSITION_INVALID',
      'TRANSITION_NOT_AVAILABLE',
      'returned to review',
      'rolled back',
    ];
    // With min_approvals 1 every vote completes and starts a new round, so only N > 1 can leave votes waiting.
    if (def === LEGAL_REVIEW_WORKFLOW)
      expected.push('approval waits for more votes', 'vote next to voided votes');
    expect([...coverage].sort()).toEqual(expect.arrayContaining(expected));
  });
});
