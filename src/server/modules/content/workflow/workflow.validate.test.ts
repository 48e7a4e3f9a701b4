import { describe, expect, it } from 'vitest';
import { LEGAL_REVIEW_WORKFLOW } from './legal-review.fixture.js';
import { DEFAULT_WORKFLOW } from './workflow.default.js';
import { WorkflowDefinitionInvalidError } from './workflow.errors.js';
import { parseDefinition, validateDefinition, type DefinitionProblem } from './workflow.validate.js';

/** A small valid definition as authored JSON, which each test breaks in one way. */
function makeDefinition(): Record<string, unknown> & {
  states: Record<string, unknown>[];
  transitions: Record<string, unknown>[];
} {
  return {
    key: 'simple',
    name: 'Simple',
    version: 1,
    states: [
      { key: 'draft', label: 'Draft', initial: true },
      { key: 'review', label: 'Review' },
      { key: 'done', label: 'Done', terminal: true },
    ],
    transitions: [
      { action: 'submit', from: ['draft'], to: 'review', label: 'Submit' },
      { action: 'finish', from: ['review'], to: 'done', label: 'Finish', guards: [{ kind: 'not_author' }] },
    ],
  };
}

function problemsOf(input: unknown): readonly DefinitionProblem[] {
  const result = validateDefinition(input);
  return result.ok ? [] : result.problems;
}

describe('validateDefinition', () => {
  it('accepts the default and the legal-review definitions', () => {
    expect(problemsOf(DEFAULT_WORKFLOW)).toEqual([]);
    expect(problemsOf(LEGAL_REVIEW_WORKFLOW)).toEqual([]);
  });

  it('applies defaults: omitted guards become an empty list', () => {
    const result = validateDefinition(makeDefinition());
    expect(result.ok && result.definition.transitions[0]?.guards).toEqual([]);
  });

  it('accepts a pure cycle without terminal states', () => {
    const def = makeDefinition();
    def.states[2] = { key: 'done', label: 'Done' };
    def.transitions.push({ action: 'reopen', from: ['done'], to: 'draft', label: 'Reopen' });
    expect(problemsOf(def)).toEqual([]);
  });

  it('requires exactly one initial state', () => {
    const none = makeDefinition();
    none.states[0] = { key: 'draft', label: 'Draft' };
    expect(problemsOf(none)).toEqual([
      { path: 'states', message: expect.stringContaining('No initial state') },
    ]);

    const two = makeDefinition();
    two.states[1] = { key: 'review', label: 'Review', initial: true };
    expect(problemsOf(two)).toEqual([
      { path: 'states[1].initial', message: "Only one state may be initial; found 'draft', 'review'" },
    ]);
  });

  it('reports states that cannot be reached from the initial state', () => {
    const def = makeDefinition();
    def.states.push({ key: 'limbo', label: 'Limbo' });
    expect(problemsOf(def)).toEqual([
      { path: 'states[3]', message: "State 'limbo' cannot be reached from the initial state 'draft'" },
    ]);
  });

  it('reports transitions to and from states that do not exist', () => {
    const def = makeDefinition();
    def.transitions.push({ action: 'jump', from: ['nowhere'], to: 'void', label: 'Jump' });
    expect(problemsOf(def)).toEqual([
      { path: 'transitions[2].to', message: "'jump' leads to state 'void', which does not exist" },
      { path: 'transitions[2].from[0]', message: "'jump' leaves state 'nowhere', which does not exist" },
    ]);
  });

  it('refuses a transition with no source state', () => {
    const def = makeDefinition();
    def.transitions.push({ action: 'jump', from: [], to: 'done', label: 'Jump' });
    expect(problemsOf(def)).toEqual([
      { path: 'transitions[2].from', message: 'A transition needs at least one source state' },
    ]);
  });

  it('requires action names to be unique per source state', () => {
    const def = makeDefinition();
    def.transitions.push({ action: 'submit', from: ['review', 'draft'], to: 'done', label: 'Again' });
    expect(problemsOf(def)).toEqual([
      {
        path: 'transitions[2].action',
        message: "Action 'submit' from state 'draft' is already defined by transitions[0]",
      },
    ]);
  });

  it('allows one action name from different states', () => {
    const def = makeDefinition();
    def.transitions.push({ action: 'submit', from: ['review'], to: 'draft', label: 'Back' });
    expect(problemsOf(def)).toEqual([]);
  });

  it('refuses exits from terminal states, duplicate states and duplicate sources', () => {
    const def = makeDefinition();
    def.states.push({ key: 'review', label: 'Again' });
    def.transitions.push({
      action: 'reopen',
      from: ['done', 'review', 'review'],
      to: 'draft',
      label: 'Reopen',
    });
    expect(problemsOf(def)).toEqual([
      { path: 'states[3].key', message: "Duplicate state 'review' (first at states[1])" },
      {
        path: 'transitions[2].from[0]',
        message: "'reopen' leaves state 'done', which is terminal (no transition may leave it)",
      },
      { path: 'transitions[2].from[2]', message: "State 'review' is listed twice" },
    ]);
  });

  it('names unknown guard and rule kinds and lists the known ones', () => {
    const def = makeDefinition();
    def.transitions[1] = {
      action: 'finish',
      from: ['review'],
      to: 'done',
      label: 'Finish',
      guards: [{ kind: 'manager_signoff' }, { kind: 'validation', rules: [{ kind: 'spellcheck' }] }],
    };
    expect(problemsOf(def)).toEqual([
      {
        path: 'transitions[1].guards[0].kind',
        message:
          'Unknown guard kind "manager_signoff"; known kinds: roles, owner_or_admin, not_author, min_approvals, validation',
      },
      {
        path: 'transitions[1].guards[1].rules[0].kind',
        message:
          'Unknown validation rule kind "spellcheck"; known kinds: required_fields, max_length, no_unresolved_variables, links_well_formed',
      },
    ]);
  });

  it('reports misspelt keys, bad roles, bad content types and bad state keys with their paths', () => {
    const def = makeDefinition();
    def.states[1] = { key: 'In Review', label: 'Review' };
    def.transitions[0] = {
      action: 'submit',
      from: ['draft'],
      to: 'review',
      label: 'Submit',
      requireReason: true,
      guards: [
        { kind: 'roles', roles: ['superuser'] },
        { kind: 'validation', rules: [{ kind: 'max_length', field: 'body', byType: { tweet: 280 } }] },
      ],
    };
    const paths = problemsOf(def).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'states[1].key',
        'transitions[0]',
        'transitions[0].guards[0].roles[0]',
        'transitions[0].guards[1].rules[0].byType',
      ]),
    );
  });

  it('refuses more than one min_approvals guard on a transition', () => {
    const def = makeDefinition();
    def.transitions[1] = {
      action: 'finish',
      from: ['review'],
      to: 'done',
      label: 'Finish',
      guards: [
        { kind: 'min_approvals', count: 1 },
        { kind: 'min_approvals', count: 2 },
      ],
    };
    expect(problemsOf(def)).toEqual([
      { path: 'transitions[1].guards[1]', message: "'finish' has more than one min_approvals guard" },
    ]);
  });

  it('refuses what is not an object at all', () => {
    expect(problemsOf('nope')).toEqual([{ path: '', message: expect.any(String) }]);
  });
});

describe('parseDefinition', () => {
  it('returns the parsed definition', () => {
    expect(parseDefinition(DEFAULT_WORKFLOW).key).toBe('default');
  });

  it('throws 422 WORKFLOW_DEFINITION_INVALID carrying every problem', () => {
    const def = makeDefinition();
    def.states.push({ key: 'limbo', label: 'Limbo' }, { key: 'attic', label: 'Attic' });
    let caught: unknown;
    try {
      parseDefinition(def);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(WorkflowDefinitionInvalidError);
    const error = caught as WorkflowDefinitionInvalidError;
    expect([error.code, error.status]).toEqual(['WORKFLOW_DEFINITION_INVALID', 422]);
    expect(error.problems.map((p) => p.path)).toEqual(['states[3]', 'states[4]']);
    expect(error.message).toContain('(and 1 more)');
  });
});
