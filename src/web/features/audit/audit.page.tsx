/** Audit log: filterable by action and subject, with "verify chain" recomputing the workspace's hash chain. */
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { Page } from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { Field, QueryView, formatDate } from '../../app/ui.js';

interface AuditEntry {
  id: string;
  seq: number;
  at: string;
  actor: { kind: string; userId: string | null; tokenId: string | null };
  origin: string;
  action: string;
  subject: string;
  hash: string;
}
interface VerifyResult {
  ok: boolean;
  checked: number;
  firstBroken?: { seq: number; reason: string; message: string };
}

export default function AuditPage() {
  const session = useSession();
  const toast = useToast();
  const [action, setAction] = useState('');
  const [subject, setSubject] = useState('');
  const filters = { action, subject };
  const entries = useQuery({
    queryKey: keys.audit(filters),
    queryFn: () => api.get<Page<AuditEntry>>('/api/v1/audit', { limit: 200, ...filters }),
    enabled: session.atLeast('admin'),
  });
  const [verify, setVerify] = useState<VerifyResult | null>(null);
  const [verifying, setVerifying] = useState(false);

  if (!session.atLeast('admin'))
    return (
      <section>
        <h1>Audit log</h1>
        <p className="state state-empty">Only admins and owners can read the audit log.</p>
      </section>
    );

  const runVerify = async () => {
    setVerifying(true);
    try {
      const r = await api.post<VerifyResult>('/api/v1/audit/verify');
      setVerify(r);
      if (r.ok) toast.success(`Audit chain intact (${r.checked} entries checked)`);
    } catch (e) {
      toast.error(e, 'Verify failed');
    } finally {
      setVerifying(false);
    }
  };

  return (
    <section>
      <div className="row spread">
        <h1>Audit log</h1>
        <button type="button" onClick={() => void runVerify()} disabled={verifying}>
          {verifying ? 'Verifying…' : 'Verify chain'}
        </button>
      </div>
      {verify && (
        <p
          className={`state ${verify.ok ? 'state-empty' : 'state-error'}`}
          role="status"
          data-testid="verify-result"
        >
          {verify.ok
            ? `Chain verified: ${verify.checked} entries, no tampering found.`
            : `Chain broken at entry ${verify.firstBroken?.seq ?? '?'}: ${verify.firstBroken?.message ?? ''} (${verify.firstBroken?.reason ?? ''})`}
        </p>
      )}
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <Field label="Action">
          {(p) => (
            <input
              {...p}
              placeholder="e.g. content.transition"
              value={action}
              onChange={(e) => setAction(e.target.value.trim())}
            />
          )}
        </Field>
        <Field label="Subject">
          {(p) => (
            <input
              {...p}
              placeholder="e.g. content:…"
              value={subject}
              onChange={(e) => setSubject(e.target.value.trim())}
            />
          )}
        </Field>
      </form>
      <QueryView query={entries} isEmpty={(d) => d.items.length === 0} empty="No audit entries match.">
        {(d) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>#</th>
                  <th>When</th>
                  <th>Action</th>
                  <th>Subject</th>
                  <th>Actor</th>
                  <th>Hash</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((e) => (
                  <tr key={e.id}>
                    <td>{e.seq}</td>
                    <td>{formatDate(e.at)}</td>
                    <td>{e.action}</td>
                    <td>{e.subject}</td>
                    <td>
                      {e.actor.kind} {e.actor.userId?.slice(0, 8) ?? ''} ({e.origin})
                    </td>
                    <td>
                      <code>{e.hash.slice(0, 10)}…</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </section>
  );
}
