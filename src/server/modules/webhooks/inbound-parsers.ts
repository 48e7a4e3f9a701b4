/**
 * Parsing verified inbound payloads into canonical events (run by the processing job, never on the request path).
 * An exhaustive registry: one parser per kind. A payload a parser cannot read throws `InboundParseError`, which
 * sends the row to the inbound dead letters with the message; it can be reprocessed after a fix.
 *
 * Canonical events (vendor-neutral, so automations do not care where a fact came from):
 * - `contact.created`, `contact.updated`, `contact.deleted`, `contact.subscribed`, `contact.unsubscribed`;
 * - `email.bounced`;
 * - generic endpoints: the endpoint's configured type (default `webhook.received`) with the parsed body.
 */
import type { InboundParserKind } from './inbound-verifiers.js';

export class InboundParseError extends Error {
  override name = 'InboundParseError';
}

export interface CanonicalEvent {
  type: string;
  subject: string;
  payload: Record<string, unknown>;
}

export interface ParseInput {
  body: Buffer;
  contentType: string;
  source: { kind: 'connection' | 'endpoint'; id: string; vendor: string; inboundId: string };
  /** Generic endpoints: the event type to append. */
  eventType: string;
}

type Parser = (input: ParseInput) => CanonicalEvent[];

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new InboundParseError(`body is not valid JSON: ${(e as Error).message}`);
  }
}

/** HubSpot subscription types → canonical event types (others are acknowledged and ignored). */
const HUBSPOT_TYPES: Record<string, string> = {
  'contact.creation': 'contact.created',
  'contact.propertyChange': 'contact.updated',
  'contact.deletion': 'contact.deleted',
  'contact.privacyDeletion': 'contact.deleted',
  'contact.merge': 'contact.updated',
  'contact.restore': 'contact.created',
};

/**
 * Mailchimp audience webhook `type` → canonical event type. `campaign` (a campaign was sent) names no contact and
 * is acknowledged without an event. `cleaned` is Mailchimp removing an address that hard-bounced (`reason=hard`)
 * or reported abuse (`reason=abuse`); both mean "do not email it any more", hence `email.bounced` with the reason.
 */
const MAILCHIMP_TYPES: Record<string, string> = {
  subscribe: 'contact.subscribed',
  unsubscribe: 'contact.unsubscribed',
  profile: 'contact.updated',
  upemail: 'contact.updated',
  cleaned: 'email.bounced',
};

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** `data[merges][FNAME]=Ada` → `{ FNAME: 'Ada' }` (nested groupings such as `data[merges][GROUPINGS][0][name]` too). */
function readMailchimpMerges(form: URLSearchParams): Record<string, unknown> {
  const merges: Record<string, unknown> = {};
  for (const [key, value] of form) {
    const m = /^data\[merges\]((?:\[[^\]]*\])+)$/.exec(key);
    if (!m) continue;
    const path = [...m[1]!.matchAll(/\[([^\]]*)\]/g)].map((p) => p[1]!);
    // Sender-controlled keys: never walk into the prototype chain, and keep nesting shallow.
    if (path.length > 4 || path.some((seg) => UNSAFE_KEYS.has(seg))) continue;
    let node = merges;
    for (const [i, seg] of path.entries()) {
      if (i === path.length - 1) node[seg] = value;
      else {
        const next = Object.hasOwn(node, seg) ? node[seg] : undefined;
        node = (typeof next === 'object' && next !== null ? next : (node[seg] = {})) as Record<
          string,
          unknown
        >;
      }
    }
  }
  return merges;
}

/**
 * Mailchimp's `fired_at` is `YYYY-MM-DD HH:MM:SS` and names no zone; it is read as UTC (an explicit offset, if one
 * ever comes, wins). ISO 8601 out, or null when it is not that shape. The raw value stays in `firedAt`.
 */
function mailchimpFiredAt(text: string | null): string | null {
  if (!text) return null;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!m) return null;
  const d = new Date(`${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export const PARSERS: Record<InboundParserKind, Parser> = {
  hubspot: ({ body, source }) => {
    const parsed = parseJson(body);
    if (!Array.isArray(parsed)) throw new InboundParseError('HubSpot webhooks are a JSON array of events');
    const out: CanonicalEvent[] = [];
    for (const [i, raw] of parsed.entries()) {
      if (raw === null || typeof raw !== 'object') throw new InboundParseError(`event ${i} is not an object`);
      const e = raw as Record<string, unknown>;
      const kind = typeof e.subscriptionType === 'string' ? e.subscriptionType : null;
      if (!kind || e.objectId === undefined)
        throw new InboundParseError(`event ${i} has no subscriptionType/objectId`);
      const type = HUBSPOT_TYPES[kind];
      if (!type) continue;
      const externalId = String(e.objectId);
      out.push({
        type,
        subject: `contact:hubspot:${externalId}`,
        payload: {
          source: { vendor: 'hubspot', connectionId: source.id, inboundId: source.inboundId },
          externalId,
          vendorEventId: e.eventId ?? null,
          vendorEventType: kind,
          ...(e.propertyName !== undefined
            ? { property: e.propertyName, value: e.propertyValue ?? null }
            : {}),
          occurredAt: typeof e.occurredAt === 'number' ? new Date(e.occurredAt).toISOString() : null,
        },
      });
    }
    return out;
  },
  mailchimp: ({ body, source }) => {
    // Mailchimp posts application/x-www-form-urlencoded, PHP-style nested keys:
    //   type=unsubscribe&fired_at=2009-03-26 21:40:57&data[action]=unsub&data[reason]=manual&data[id]=8a25ff1d98
    //   &data[list_id]=a6b5da1054&data[email]=api+unsub@mailchimp.com&data[merges][EMAIL]=…&data[campaign_id]=…
    // upemail carries data[old_email], data[new_email] and data[new_id] instead of data[email] and data[id].
    const text = body.toString('utf8');
    // An empty POST (some setups check the URL that way) carries no event.
    if (text.trim() === '') return [];
    const form = new URLSearchParams(text);
    const kind = form.get('type');
    if (!kind) throw new InboundParseError('Mailchimp webhook without a type field');
    const type = MAILCHIMP_TYPES[kind];
    if (!type) return [];
    const changedEmail = kind === 'upemail';
    // The contact the event is about: for an address change, the one known so far (the old address).
    const email = changedEmail ? form.get('data[old_email]') : form.get('data[email]');
    if (!email)
      throw new InboundParseError(
        `Mailchimp ${kind} webhook without ${changedEmail ? 'data[old_email]' : 'data[email]'}`,
      );
    const newEmail = changedEmail ? form.get('data[new_email]') : null;
    if (changedEmail && !newEmail)
      throw new InboundParseError('Mailchimp upemail webhook without data[new_email]');
    const merges = readMailchimpMerges(form);
    return [
      {
        type,
        subject: `contact:email:${email.toLowerCase()}`,
        payload: {
          source: { vendor: 'mailchimp', connectionId: source.id, inboundId: source.inboundId },
          email,
          ...(changedEmail ? { newEmail, previousEmail: email } : {}),
          memberId: (changedEmail ? form.get('data[new_id]') : form.get('data[id]')) ?? null,
          listId: form.get('data[list_id]'),
          vendorEventType: kind,
          // unsubscribe: `unsub` (opted out) or `delete` (removed from the audience); others: absent.
          action: form.get('data[action]'),
          // unsubscribe: manual | abuse; cleaned: hard | abuse.
          reason: form.get('data[reason]'),
          campaignId: form.get('data[campaign_id]'),
          ...(Object.keys(merges).length ? { merges } : {}),
          firedAt: form.get('fired_at'),
          occurredAt: mailchimpFiredAt(form.get('fired_at')),
        },
      },
    ];
  },
  generic: ({ body, contentType, source, eventType }) => {
    const data = /json/i.test(contentType) || contentType === '' ? parseJson(body) : body.toString('utf8');
    return [
      {
        type: eventType,
        subject: `webhook_endpoint:${source.id}`,
        payload: { source: { endpointId: source.id, inboundId: source.inboundId }, data },
      },
    ];
  },
};
