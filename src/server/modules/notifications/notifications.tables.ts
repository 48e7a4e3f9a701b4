/** Kysely view of the notification tables in `migrations/0007_reviews.sql`. */
import type { ColumnType, Generated } from 'kysely';

export interface NotificationTables {
  notifications: {
    id: Generated<string>;
    workspace_id: string;
    user_id: string;
    kind: string;
    title: string;
    body: Generated<string>;
    subject: Generated<string>;
    event_seq: number;
    /** jsonb: written as JSON text, read back parsed. */
    data: ColumnType<Record<string, unknown>, string, string>;
    read_at: Date | null;
    created_at: Date;
  };
  notification_preferences: {
    workspace_id: string;
    user_id: string;
    kind: string;
    in_app: boolean;
    email: boolean;
  };
}
