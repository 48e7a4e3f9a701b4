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

/** Mailchimp webhook `type` → canonical event type. */
const MAILCHIMP_TYPES: Record<string, string> = {
  subscribe: 'contact.subscribed',
  unsubscribe: 'contact.unsubscribed',
  profile: 'contact.updated',
  upemail: 'contact.updated',
  cleaned: 'email.bounced',
};

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
    // Mailchimp posts application/x-www-form-urlencoded: type=unsubscribe&fired_at=…&data[email]=…
    const form = new URLSearchParams(body.toString('utf8'));
    const kind = form.get('type');
    if (!kind) throw new InboundParseError('Mailchimp webhook without a type field');
    const type = MAILCHIMP_TYPES[kind];
    if (!type) return [];
    const email = form.get('data[email]') ?? form.get('data[new_email]');
    if (!email) throw new InboundParseError(`Mailchimp ${kind} webhook without data[email]`);
    return [
      {
        type,
        subject: `contact:email:${email.toLowerCase()}`,
        payload: {
          source: { vendor: 'mailchimp', connectionId: source.id, inboundId: source.inboundId },
          email,
          listId: form.get('data[list_id]'),
          vendorEventType: kind,
          reason: form.get('data[reason]'),
          firedAt: form.get('fired_at'),
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
