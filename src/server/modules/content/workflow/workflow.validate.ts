/**
 * Validation on save. First the schema (shapes, known guard and rule kinds), then the graph: exactly one initial
 * state, unique state keys, transitions that reference existing states, one meaning per (state, action), no exit
 * from a terminal state, every state reachable from the initial one. A definition may have terminal states, cycles,
 * or both; neither is required.
 *
 * Every problem is reported with a path into the submitted JSON (`transitions[3].from[0]`), so the editor can point
 * at it.
 */
import type { z } from 'zod';
import { WorkflowDefinitionInvalidError } from './workflow.errors.js';
import { workflowDefinitionSchema, type WorkflowDefinition } from './workflow.schema.js';

export interface DefinitionProblem {
  /** Where in the submitted document, e.g. `transitions[2].to`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
}

export type DefinitionValidation =
  | { readonly ok: true; readonly definition: WorkflowDefinition }
  | { readonly ok: false; readonly problems: readonly DefinitionProblem[] };

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function describeSchemaIssue(issue: z.core.$ZodIssue): DefinitionProblem {
  return { path: formatPath(issue.path), message: issue.message };
}

function checkStates(def: WorkflowDefinition, problems: DefinitionProblem[]): void {
  const firstIndex = new Map<string, number>();
  def.states.forEach((state, i) => {
    const seen = firstIndex.get(state.key);
    if (seen === undefined) firstIndex.set(state.key, i);
    else
      problems.push({
        path: `states[${i}].key`,
        message: `Duplicate state '${state.key}' (first at states[${seen}])`,
      });
  });

  const initial = def.states.flatMap((state, i) => (state.initial ? [i] : []));
  if (initial.length === 0) {
    problems.push({
      path: 'states',
      message: 'No initial state: mark exactly one state with "initial": true',
    });
  }
  if (initial.length > 1) {
    const keys = initial.map((i) => `'${def.states[i]?.key}'`).join(', ');
    for (const i of initial.slice(1)) {
      problems.push({
        path: `states[${i}].initial`,
        message: `Only one state may be initial; found ${keys}`,
      });
    }
  }
}

function checkTransitions(def: WorkflowDefinition, problems: DefinitionProblem[]): void {
  const states = new Map(def.states.map((s) => [s.key, s] as const));
  /** `${from}\u0000${action}` → index of the transition that first defined it. */
  const actionOwner = new Map<string, number>();

  def.transitions.forEach((t, i) => {
    const at = `transitions[${i}]`;
    if (!states.has(t.to)) {
      problems.push({
        path: `${at}.to`,
        message: `'${t.action}' leads to state '${t.to}', which does not exist`,
      });
    }
    const seenFrom = new Set<string>();
    t.from.forEach((from, j) => {
      const state = states.get(from);
      if (state === undefined) {
        problems.push({
          path: `${at}.from[${j}]`,
          message: `'${t.action}' leaves state '${from}', which does not exist`,
        });
      } else if (state.terminal) {
        problems.push({
          path: `${at}.from[${j}]`,
          message: `'${t.action}' leaves state '${from}', which is terminal (no transition may leave it)`,
        });
      }
      if (seenFrom.has(from)) {
        problems.push({ path: `${at}.from[${j}]`, message: `State '${from}' is listed twice` });
        return;
      }
      seenFrom.add(from);
      const key = `${from}\u0000${t.action}`;
      const owner = actionOwner.get(key);
      if (owner === undefined) actionOwner.set(key, i);
      else {
        problems.push({
          path: `${at}.action`,
          message: `Action '${t.action}' from state '${from}' is already defined by transitions[${owner}]`,
        });
      }
    });

    const thresholds = t.guards.flatMap((g, k) => (g.kind === 'min_approvals' ? [k] : []));
    for (const k of thresholds.slice(1)) {
      problems.push({
        path: `${at}.guards[${k}]`,
        message: `'${t.action}' has more than one min_approvals guard`,
      });
    }
  });
}

/** States reachable from `start` following transitions whose endpoints exist. */
export function findReachableStates(def: WorkflowDefinition, start: string): Set<string> {
  const reached = new Set([start]);
  const queue = [start];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    for (const t of def.transitions) {
      if (t.from.includes(state) && !reached.has(t.to)) {
        reached.add(t.to);
        queue.push(t.to);
      }
    }
  }
  return reached;
}

function checkReachability(def: WorkflowDefinition, problems: DefinitionProblem[]): void {
  const initial = def.states.filter((s) => s.initial);
  // Without exactly one initial state, "reachable" has no meaning; that problem is already reported.
  if (initial.length !== 1 || initial[0] === undefined) return;
  const start = initial[0].key;
  const reached = findReachableStates(def, start);
  def.states.forEach((state, i) => {
    if (!reached.has(state.key)) {
      problems.push({
        path: `states[${i}]`,
        message: `State '${state.key}' cannot be reached from the initial state '${start}'`,
      });
    }
  });
}

/** Checks a submitted definition; returns the parsed definition (defaults applied) or every problem found. */
export function validateDefinition(input: unknown): DefinitionValidation {
  const parsed = workflowDefinitionSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map(describeSchemaIssue) };
  const definition = parsed.data;
  const problems: DefinitionProblem[] = [];
  checkStates(definition, problems);
  checkTransitions(definition, problems);
  checkReachability(definition, problems);
  return problems.length === 0 ? { ok: true, definition } : { ok: false, problems };
}

/** `validateDefinition` for callers that act on one definition: throws 422 WORKFLOW_DEFINITION_INVALID. */
export function parseDefinition(input: unknown): WorkflowDefinition {
  const result = validateDefinition(input);
  if (!result.ok) throw new WorkflowDefinitionInvalidError(result.problems);
  return result.definition;
}
