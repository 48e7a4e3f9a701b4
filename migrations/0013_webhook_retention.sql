-- Webhook retention (issue 5): `webhooks.prune` deletes finished history older than SWITCHBOARD_WEBHOOK_RETENTION_DAYS
-- in bounded batches. These partial indexes let each batch find its rows without scanning the tables (inbound rows
-- carry raw bodies of up to 1 MiB; messages are many per event).

-- Processed and failed inbound requests, by when they were last processed.
CREATE INDEX inbound_webhooks_finished ON inbound_webhooks (processed_at)
  WHERE status IN ('processed', 'failed');

-- Succeeded and dead outbound messages, by when they finished (their attempts cascade).
CREATE INDEX webhook_messages_finished ON webhook_messages (finished_at)
  WHERE status IN ('succeeded', 'dead');
