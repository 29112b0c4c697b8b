import { DomainError } from '../kernel/mod.ts';

/**
 * An admin disabling their own account: it would end their own sessions and lock them out. Through
 * the API another admin is always the actor, so the last enabled admin cannot be disabled either.
 */
export class CannotDisableSelfError extends DomainError {
  constructor() {
    super('cannot_disable_self', 'An admin cannot disable their own account; another admin can.');
  }
}
