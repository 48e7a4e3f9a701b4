/** Deliveries: the ledger, filterable by status; replay a failed one. */
import { useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { Field, QueryView, formatDate } from '../../app/ui.js';
import { useDeliveries, type Delivery } from './deliveries.api.js';

const STATUSES = ['', 'pending', 'in_flight', 'succeeded', 'failed', 'unknown', 'reconciled'];

function errorText(d: Delivery): string {
  const e = d.lastError;
  if (!e) return '';
  if (typeof e === 'string') return e;
  return [e.kind, e.message].filter(Boolean).join(': ');
}

export default function DeliveriesPage() {
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const list = useDeliveries(status ? { status } : {});
  const session = useSession();
  const client = useQueryClient();
  const toast = useToast();
  const replay = async (d: Delivery) => {
    try {
      await api.post(`/api/v1/deliveries/${d.id}/replay`);
      toast.success('Replay queued');
      await client.invalidateQueries({ queryKey: keys.deliveries });
    } catch (e) {
      toast.error(e, 'Replay refused');
    }
  };
  return (
    <section>
      <h1>Deliveries</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <Field label="Status">
          {(p) => (
            <select
              {...p}
              value={status}
              onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {})}
            >
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s || 'Any status'}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
      <QueryView
        query={list}
        isEmpty={(d) => d === null || d.items.length === 0}
        empty={
          list.data === null ? 'Deliveries are not available on this server yet.' : 'No deliveries match.'
        }
      >
        {(d) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Status</th>
                  <th>Action</th>
                  <th>Attempts</th>
                  <th>Result</th>
                  <th>Updated</th>
                  <th>
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {d!.items.map((x) => (
                  <tr key={x.id} data-testid="delivery-row" data-status={x.status}>
                    <td>
                      <span
                        className={`badge ${x.status === 'succeeded' ? 'badge-good' : x.status === 'failed' || x.status === 'unknown' ? 'badge-bad' : ''}`}
                      >
                        {x.status}
                      </span>
                    </td>
                    <td>{x.action ?? ''}</td>
                    <td>{x.attempts ?? ''}</td>
                    <td>
                      {x.externalUrl ? (
                        <a href={x.externalUrl} target="_blank" rel="noreferrer">
                          {x.externalId ?? 'open'}
                        </a>
                      ) : (
                        errorText(x)
                      )}
                    </td>
                    <td>{formatDate(x.updatedAt ?? x.createdAt)}</td>
                    <td>
                      {x.status === 'failed' && session.atLeast('publisher') && (
                        <button type="button" className="small" onClick={() => void replay(x)}>
                          Replay
                        </button>
                      )}
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
