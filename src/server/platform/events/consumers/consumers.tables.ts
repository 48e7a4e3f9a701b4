/** Kysely view of `event_consumer_cursors` (migrations/0007_reviews.sql). */
export interface EventConsumerTables {
  event_consumer_cursors: {
    consumer: string;
    workspace_id: string;
    last_seq: number;
    updated_at: Date;
    last_error: string | null;
  };
}
