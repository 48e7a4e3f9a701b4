/** The webhooks module's errors: one class per failure, each with a stable SCREAMING_SNAKE code and its status. */
import { AppError } from '../../platform/errors/index.js';

/** 401 on `/hooks/…`: the signature (or URL secret) did not verify. Nothing is stored; a counter moves. */
export class WebhookSignatureInvalidError extends AppError {
  constructor(reason: string) {
    super('WEBHOOK_SIGNATURE_INVALID', 401, `The webhook could not be verified (${reason})`, { reason });
    this.name = 'WebhookSignatureInvalidError';
  }
}

/** 413 on `/hooks/…`: the body is over the inbound limit. */
export class WebhookBodyTooLargeError extends AppError {
  constructor(limit: number) {
    super('WEBHOOK_BODY_TOO_LARGE', 413, `The webhook body is over ${limit} bytes`, { limitBytes: limit });
    this.name = 'WebhookBodyTooLargeError';
  }
}

/** 404 on `/hooks/{connectionId}`: the connection's vendor sends no webhooks Switchboard can verify. */
export class WebhooksNotSupportedError extends AppError {
  constructor(vendor: string) {
    super('WEBHOOKS_NOT_SUPPORTED', 404, `Connections of vendor ${vendor} do not receive webhooks`, {
      vendor,
    });
    this.name = 'WebhooksNotSupportedError';
  }
}

/** 409: replaying or pinging a disabled subscription. */
export class WebhookSubscriptionDisabledError extends AppError {
  constructor(id: string) {
    super(
      'WEBHOOK_SUBSCRIPTION_DISABLED',
      409,
      `Subscription ${id} is disabled; enable it (PATCH enabled: true) before sending to it`,
      { subscriptionId: id },
    );
    this.name = 'WebhookSubscriptionDisabledError';
  }
}

/** 409: reprocessing an inbound webhook that was processed successfully. */
export class InboundAlreadyProcessedError extends AppError {
  constructor(id: string) {
    super('INBOUND_WEBHOOK_ALREADY_PROCESSED', 409, `Inbound webhook ${id} was already processed`, { id });
    this.name = 'InboundAlreadyProcessedError';
  }
}

/** 400: an invalid payload filter or event type filter on a subscription. */
export class WebhookFilterInvalidError extends AppError {
  constructor(message: string) {
    super('WEBHOOK_FILTER_INVALID', 400, message);
    this.name = 'WebhookFilterInvalidError';
  }
}

/** 403 on the thin-event payload URL: the token does not match the message. */
export class WebhookPayloadTokenInvalidError extends AppError {
  constructor() {
    super('WEBHOOK_PAYLOAD_TOKEN_INVALID', 403, 'The payload token does not match this message');
    this.name = 'WebhookPayloadTokenInvalidError';
  }
}
