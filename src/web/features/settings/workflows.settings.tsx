/**
 * Workflow definitions: the states and transitions as an editable JSON document, validated by the server as you
 * type (debounced) with every problem shown inline by path; applying stores the next version of the key.
 */
import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { definitionProblemsSchema } from '../../../contracts/index.js';
import { api, isApiError } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { QueryView } from '../../app/ui.js';
import { useWorkflows, type WorkflowRecord } from '../content/content.api.js';

interface Problem {
  path: string;
  message: string;
}

export default function WorkflowsSettings() {
  const workflows = useWorkflows();
  const [editing, setEditing] = useState<WorkflowRecord | null>(null);
  return (
    <div>
      <QueryView query={workflows} isEmpty={(d) => d.items.length === 0} empty="No workflows.">
        {(d) => (
          <ul className="list panel">
            {d.items.map((w) => (
              <li key={w.key} className="row spread">
                <span>
                  <strong>{w.definition.name}</strong> <code>{w.key}</code> · version {w.version}
                  {w.builtIn && <span className="badge">built in</span>} · {w.definition.states.length}{' '}
                  states, {w.definition.transitions.length} transitions
                </span>
                <button type="button" className="secondary small" onClick={() => setEditing(w)}>
                  Edit
                </button>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      {editing && (
        <DefinitionEditor
          key={`${editing.key}@${editing.version}`}
          record={editing}
          onDone={() => setEditing(null)}
        />
      )}
    </div>
  );
}

function DefinitionEditor({ record, onDone }: { record: WorkflowRecord; onDone: () => void }) {
  const session = useSession();
  const client = useQueryClient();
  const toast = useToast();
  const [text, setText] = useState(() =>
    JSON.stringify({ ...record.definition, version: record.version + 1 }, null, 2),
  );
  const [problems, setProblems] = useState<Problem[]>([]);
  const [parseError, setParseError] = useState<string | null>(null);
  const canApply = session.atLeast('admin');

  useEffect(() => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
      setParseError(null);
    } catch (e) {
      setParseError(e instanceof Error ? e.message : 'Not valid JSON');
      return;
    }
    const timer = setTimeout(() => {
      api
        .post<{ ok: boolean; problems: Problem[] }>('/api/v1/workflows/validate', parsed)
        .then((r) => setProblems(r.problems))
        .catch((e: unknown) =>
          setProblems([{ path: '', message: e instanceof Error ? e.message : String(e) }]),
        );
    }, 300);
    return () => clearTimeout(timer);
  }, [text]);

  const apply = async () => {
    try {
      const saved = await api.post<WorkflowRecord>('/api/v1/workflows', JSON.parse(text));
      toast.success(`Applied ${saved.key} version ${saved.version}`);
      await client.invalidateQueries({ queryKey: keys.workflows });
      onDone();
    } catch (e) {
      if (isApiError(e)) {
        const details = definitionProblemsSchema.safeParse(e.details);
        if (details.success) setProblems(details.data.problems);
      }
      toast.error(e, 'Not applied');
    }
  };

  return (
    <div className="panel">
      <h2>
        Edit <code>{record.key}</code>
      </h2>
      <label htmlFor="wf-json">
        <strong>Definition (JSON)</strong>
      </label>
      <textarea
        id="wf-json"
        className="mono"
        rows={22}
        value={text}
        aria-invalid={!!parseError || problems.length > 0}
        aria-describedby="wf-problems"
        onChange={(e) => setText(e.target.value)}
      />
      <div id="wf-problems" aria-live="polite">
        {parseError ? (
          <p className="field-error">JSON: {parseError}</p>
        ) : problems.length ? (
          <ul className="failed-guards field-error" data-testid="workflow-problems">
            {problems.map((p, i) => (
              <li key={i}>
                <code>{p.path || '(document)'}</code>: {p.message}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">Valid.</p>
        )}
      </div>
      <div className="row">
        {canApply && (
          <button type="button" disabled={!!parseError || problems.length > 0} onClick={() => void apply()}>
            Apply as version
          </button>
        )}
        <button type="button" className="secondary" onClick={onDone}>
          Close
        </button>
      </div>
    </div>
  );
}
