/** Notification preferences: in-app and email per kind. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useToast } from '../../app/toasts.js';
import { QueryView } from '../../app/ui.js';

type Prefs = Record<string, { inApp: boolean; email: boolean }>;
const LABELS: Record<string, string> = {
  review_requested: 'Someone asks me to review',
  mentioned: 'Someone mentions me',
  commented: 'Comments on my content',
  state_changed: 'My content changes state',
  rejected: 'My content gets changes requested',
  webhook_disabled: 'A webhook subscription is disabled after failing (owners and admins)',
};

export default function PreferencesSettings() {
  const prefs = useQuery({
    queryKey: keys.notificationPrefs,
    queryFn: () => api.get<Prefs>('/api/v1/notifications/preferences'),
  });
  const client = useQueryClient();
  const toast = useToast();
  const change = async (kind: string, value: { inApp: boolean; email: boolean }) => {
    try {
      const next = await api.put<Prefs>('/api/v1/notifications/preferences', { [kind]: value });
      client.setQueryData(keys.notificationPrefs, next);
      toast.success('Preferences saved');
    } catch (e) {
      toast.error(e, 'Not saved');
    }
  };
  return (
    <QueryView query={prefs}>
      {(p) => (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>In app</th>
                <th>Email</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(p).map(([kind, v]) => (
                <tr key={kind}>
                  <td>{LABELS[kind] ?? kind}</td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${LABELS[kind] ?? kind}: in app`}
                      checked={v.inApp}
                      onChange={(e) => void change(kind, { ...v, inApp: e.target.checked })}
                    />
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${LABELS[kind] ?? kind}: email`}
                      checked={v.email}
                      onChange={(e) => void change(kind, { ...v, email: e.target.checked })}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </QueryView>
  );
}
