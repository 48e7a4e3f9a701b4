/**
 * Public API of the connectors area: the registry and the SDK runtime. Modules (connections, deliveries), the CLI and
 * tests import connectors only from here; vendor folders are reached through the registry, never by name.
 */
export * from './sdk/index.js';
export {
  connectors,
  getConnector,
  isConnectorId,
  isUnknownConnectorError,
  listConnectorIds,
  UnknownConnectorError,
} from './registry.js';
export type { ConnectorId } from './registry.js';
