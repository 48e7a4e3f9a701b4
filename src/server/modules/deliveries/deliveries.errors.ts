/** The deliveries module's errors: one class per failure, each with a stable SCREAMING_SNAKE code and HTTP status. */
import { AppError, ConflictError } from '../../platform/errors/index.js';
import type { DeliveryStatus } from './deliveries.machine.js';

/** 409: the delivery is not in a status that allows this (replay needs failed, resolve needs unknown). */
export class DeliveryStatusConflictError extends ConflictError {
  constructor(action: string, status: DeliveryStatus, needed: readonly DeliveryStatus[]) {
    super(
      'DELIVERY_STATUS_CONFLICT',
      `Cannot ${action} a delivery that is ${status}; it must be ${needed.join(' or ')}`,
      { status, needed },
    );
    this.name = 'DeliveryStatusConflictError';
  }
}

/** 422: a destination names a connection of another workspace, or an action its connector does not offer. */
export class DestinationInvalidError extends AppError {
  constructor(message: string, details?: unknown) {
    super('DESTINATION_INVALID', 422, message, details);
    this.name = 'DestinationInvalidError';
  }
}

/** 422: resolving as succeeded needs the external id the human found at the vendor. */
export class ResolutionInvalidError extends AppError {
  constructor(message: string) {
    super('RESOLUTION_INVALID', 422, message);
    this.name = 'ResolutionInvalidError';
  }
}
