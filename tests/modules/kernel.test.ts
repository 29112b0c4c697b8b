import { describe, expect, it } from 'vitest';
import { cloudEventSchema, createEvent, DomainError, loadedAtFirstUse, ValidationError, warmUp } from '../../modules/kernel/mod.ts';

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

describe('libraries loaded at first use', () => {
  it('load nothing until asked; warmUp() loads, once, only what a part of the process wants', async () => {
    const loads = { wanted: 0, unwanted: 0 };
    const wanted = loadedAtFirstUse(async () => ++loads.wanted);
    loadedAtFirstUse(async () => ++loads.unwanted);
    wanted.want();
    expect(loads).toEqual({ wanted: 0, unwanted: 0 });
    await warmUp();
    expect(loads).toEqual({ wanted: 1, unwanted: 0 });
    expect(await wanted.load()).toBe(1);
    expect(loads.wanted).toBe(1);
  });

  it('leave a failed load for its first use to report', async () => {
    const broken = loadedAtFirstUse(() => Promise.reject(new Error('Cannot find package')));
    broken.want();
    await expect(warmUp()).resolves.toBeUndefined();
    await expect(broken.load()).rejects.toThrow('Cannot find package');
  });
});
