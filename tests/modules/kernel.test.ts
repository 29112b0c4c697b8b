import { describe, expect, it } from 'vitest';
import { cloudEventSchema, createEvent, DomainError, ValidationError } from '../../modules/kernel/mod.ts';

describe('kernel', () => {
  it('createEvent() builds a valid CloudEvents 1.0 envelope with a fresh id', () => {
    const a = createEvent({ source: 'user', type: 'user.registered', subject: 'u1', data: { userId: 'u1' } });
    const b = createEvent({ source: 'user', type: 'user.registered', data: {} });
    expect(cloudEventSchema.parse(a)).toEqual(a);
    expect(a.id).not.toBe(b.id);
    expect(b).not.toHaveProperty('subject');
  });

  it('domain errors keep their stable code and class name', () => {
    const error = new ValidationError('bad', [{ path: 'email', message: 'Invalid email' }]);
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('validation_failed');
    expect(error.name).toBe('ValidationError');
    expect(error.details).toEqual({ fields: [{ path: 'email', message: 'Invalid email' }] });
  });
});
