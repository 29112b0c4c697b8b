import { DomainError } from '../kernel/mod.ts';

export class PayloadTooLargeError extends DomainError {
  constructor(limitBytes: number) {
    super('payload_too_large', `The request body is larger than ${limitBytes} bytes.`, { limitBytes });
  }
}

export class RouteNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'No such resource.');
  }
}

export const gatewayErrorCodes = ['payload_too_large', 'not_found'] as const;
export type GatewayErrorCode = (typeof gatewayErrorCodes)[number];
