/**
 * The connector registry (DESIGN §5): every vendor is one folder and ONE line here. Nothing outside a connector's
 * folder switches on the vendor; callers look connectors up by id.
 */
import { AppError } from '../platform/errors/index.js';
import { hubspotConnector } from './hubspot/index.js';
import { marketoConnector } from './marketo/index.js';
import type { Connector } from './sdk/connector.js';

export const connectors = {
  hubspot: hubspotConnector,
  marketo: marketoConnector,
} satisfies Record<string, Connector>;

/** The id of a registered connector (`hubspot`, `marketo`, …). */
export type ConnectorId = keyof typeof connectors;

/** Thrown by `getConnector` for an id no connector is registered under (HTTP 400 `CONNECTOR_UNKNOWN`). */
export class UnknownConnectorError extends AppError {
  constructor(readonly connectorId: string) {
    super(
      'CONNECTOR_UNKNOWN',
      400,
      `unknown connector "${connectorId}"; known: ${listConnectorIds().join(', ') || '(none)'}`,
    );
    this.name = 'UnknownConnectorError';
  }
}

export function isUnknownConnectorError(e: unknown): e is UnknownConnectorError {
  return e instanceof UnknownConnectorError;
}

/** True when `id` names a registered connector (narrows it to `ConnectorId`). */
export function isConnectorId(id: string): id is ConnectorId {
  return Object.prototype.hasOwnProperty.call(connectors, id);
}

/** The connector registered under `id`; throws `UnknownConnectorError` otherwise. */
export function getConnector(id: string): Connector {
  if (!isConnectorId(id)) throw new UnknownConnectorError(id);
  return (connectors as Record<string, Connector>)[id] as Connector;
}

/** Every registered connector id, sorted. */
export function listConnectorIds(): ConnectorId[] {
  return (Object.keys(connectors) as ConnectorId[]).sort();
}
