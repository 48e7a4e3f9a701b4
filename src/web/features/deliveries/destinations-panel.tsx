/** Per-destination delivery results of one content item, with external links. */
import type { ContentDetail } from '../../../contracts/index.js';
import { QueryView, formatDate } from '../../app/ui.js';
import { useDeliveries } from './deliveries.api.js';

export default function DestinationsPanel({ item }: { item: ContentDetail }) {
  const list = useDeliveries({ contentId: item.id });
  return (
    <QueryView
      query={list}
      isEmpty={(d) => d === null || d.items.length === 0}
      empty={
        list.data === null
          ? 'Destinations are not available on this server yet.'
          : 'Not delivered anywhere yet.'
      }
    >
      {(d) => (
        <ul className="list" aria-label="Delivery results">
          {d!.items.map((x) => (
            <li key={x.id} data-testid="destination-result" data-status={x.status}>
              <span className="badge">{x.status}</span> {x.action ?? ''} ·{' '}
              {formatDate(x.updatedAt ?? x.createdAt)}{' '}
              {x.externalUrl && (
                <a href={x.externalUrl} target="_blank" rel="noreferrer">
                  View on the destination
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
    </QueryView>
  );
}
