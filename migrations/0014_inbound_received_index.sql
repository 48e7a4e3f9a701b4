-- Inbound processing (issue 5) takes the oldest received rows of a workspace (`lockReceivedBatch`). Without this
-- index that is a scan over every stored request, processed ones included; received rows are few at any moment,
-- so a partial index keeps each batch an index range scan however long the history is.
CREATE INDEX inbound_webhooks_received ON inbound_webhooks (workspace_id, received_at, id) WHERE status = 'received';
