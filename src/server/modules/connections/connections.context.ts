/** What every connections use case receives: explicit dependencies, no singletons. */
import type { Audit } from '../../platform/audit/index.js';
import type { Clock } from '../../platform/clock.js';
import type { SecretBox } from '../../platform/crypto/index.js';
import type { Executor } from '../../platform/db/index.js';
import type { Events } from '../../platform/events/index.js';
import type { Logger } from '../../platform/logger.js';
import type { Registry } from '../../platform/metrics.js';
import type { Connector } from '../../connectors/sdk/connector.js';
import type { ConnectionRuntimes } from './connection-runtime.js';

/** The connectors this build knows, by id (the registry, or a test's own). */
export type ConnectorLookup = Readonly<Record<string, Connector>>;

export interface ConnectionsContext {
  db: Executor;
  clock: Clock;
  logger: Logger;
  metrics: Registry;
  events: Pick<Events, 'append'>;
  audit: Pick<Audit, 'record'>;
  /** Seals credentials and tokens at rest. */
  secrets: SecretBox;
  connectors: ConnectorLookup;
  /** One live runtime (client, breaker, limiter, token cache) per connection in this process. */
  runtimes: ConnectionRuntimes;
  /** External base URL: the OAuth redirect URI is `<publicUrl>/api/v1/oauth/callback`. */
  publicUrl: string;
}
