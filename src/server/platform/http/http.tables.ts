/** Kysely table types for the http area; follow migrations/0005_idempotency.sql. */
export interface HttpTables {
  idempotency_keys: {
    scope: string;
    key: string;
    request_hash: string;
    state: 'in_progress' | 'completed';
    status_code: number | null;
    content_type: string | null;
    response_body: string | null;
    created_at: Date;
  };
}
