/**
 * The typed view of the schema for Kysely: each area declares its tables in its own `*.tables.ts`, merged here.
 * Migrations (`migrations/*.sql`) are the source of truth; these interfaces must follow them.
 */
import type { IdentityTables } from './identity.tables.js';
import type { QueueTables } from '../queue/queue.tables.js';
import type { EventTables } from '../events/events.tables.js';
import type { AuditTables } from '../audit/audit.tables.js';
import type { AuthTables } from '../auth/auth.tables.js';
import type { HttpTables } from '../http/http.tables.js';
import type { ContentTables } from '../../modules/content/content.tables.js';
import type { CatalogTables } from '../../modules/catalog/catalog.tables.js';
import type { EventConsumerTables } from '../events/consumers/consumers.tables.js';
import type { ReviewTables } from '../../modules/reviews/reviews.tables.js';
import type { NotificationTables } from '../../modules/notifications/notifications.tables.js';

export interface Database
  extends
    IdentityTables,
    QueueTables,
    EventTables,
    AuditTables,
    AuthTables,
    HttpTables,
    ContentTables,
    CatalogTables,
    EventConsumerTables,
    ReviewTables,
    NotificationTables {
  schema_migrations: {
    version: number;
    name: string;
    checksum: string;
    applied_at: Date;
  };
}
