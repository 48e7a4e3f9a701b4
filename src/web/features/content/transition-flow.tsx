/**
 * Taking a workflow action from anywhere (board drop, card menu, editor buttons): asks for a reason where the
 * transition requires one, sends it with the item's version, and shows a refusal with every failed guard.
 */
import { useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { transitionRejectionDetailsSchema, type WorkflowTransition } from '../../../contracts/index.js';
import { isApiError } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useToast } from '../../app/toasts.js';
import { Dialog, Field } from '../../app/ui.js';
import { transitionContent } from './content.api.js';

export interface TransitionTarget {
  id: string;
  title: string;
  version: number;
  state: string;
}

interface Refusal {
  title: string;
  message: string;
  code: string;
  failed: string[];
}

export function useTransitionFlow(): {
  start: (item: TransitionTarget, t: WorkflowTransition) => void;
  refuse: (r: Refusal) => void;
  element: ReactNode;
} {
  const client = useQueryClient();
  const toast = useToast();
  const [asking, setAsking] = useState<{ item: TransitionTarget; t: WorkflowTransition } | null>(null);
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (item: TransitionTarget, t: WorkflowTransition, why?: string) => {
    setBusy(true);
    try {
      const result = await transitionContent(item.id, item.version, t.action, why);
      setAsking(null);
      setReason('');
      if (result.completed) toast.success(`${t.label}: “${item.title}” is now ${result.item.state}`);
      else if (result.approvalRecorded && result.approvals)
        toast.success(`Approval recorded (${result.approvals.count} of ${result.approvals.required})`);
      await client.invalidateQueries({ queryKey: keys.contentAll });
    } catch (e) {
      setAsking(null);
      if (isApiError(e)) {
        const details = transitionRejectionDetailsSchema.safeParse(e.details);
        setRefusal({
          title: `${t.label} was refused`,
          message: e.message,
          code: e.code,
          failed: details.success ? details.data.failed.map((f) => `${f.guard}: ${f.message}`) : [],
        });
      } else toast.error(e);
      await client.invalidateQueries({ queryKey: keys.contentAll });
    } finally {
      setBusy(false);
    }
  };

  const start = (item: TransitionTarget, t: WorkflowTransition) => {
    if (t.requiresReason) {
      setReason('');
      setAsking({ item, t });
    } else void run(item, t);
  };

  const element = (
    <>
      {asking && (
        <Dialog
          title={`${asking.t.label}: “${asking.item.title}”`}
          onClose={() => setAsking(null)}
          actions={
            <>
              <button type="button" className="secondary" onClick={() => setAsking(null)}>
                Cancel
              </button>
              <button type="submit" form="transition-reason" disabled={busy || reason.trim() === ''}>
                {asking.t.label}
              </button>
            </>
          }
        >
          <form
            id="transition-reason"
            onSubmit={(e) => {
              e.preventDefault();
              void run(asking.item, asking.t, reason.trim());
            }}
          >
            <Field label="Reason" hint="Required: the author and the audit log will see it.">
              {(p) => (
                <textarea
                  {...p}
                  required
                  autoFocus
                  value={reason}
                  onChange={(e) => setReason(e.target.value)}
                />
              )}
            </Field>
          </form>
        </Dialog>
      )}
      {refusal && (
        <Dialog
          title={refusal.title}
          onClose={() => setRefusal(null)}
          actions={
            <button type="button" onClick={() => setRefusal(null)} autoFocus>
              OK
            </button>
          }
        >
          <div role="alert">
            <p>
              {refusal.message} <code className="error-code">{refusal.code}</code>
            </p>
            {refusal.failed.length > 0 && (
              <>
                <p>Failed checks:</p>
                <ul className="failed-guards">
                  {refusal.failed.map((f) => (
                    <li key={f}>{f}</li>
                  ))}
                </ul>
              </>
            )}
          </div>
        </Dialog>
      )}
    </>
  );
  return { start, refuse: setRefusal, element };
}
