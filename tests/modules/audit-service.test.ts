import { describe, expect, it } from 'vitest';
import { createMemoryAuditRepository } from '../../adapters/memory/audit-repository.ts';
import { auditApiSpec, auditErrors, createAuditService, type AuditApi } from '../../modules/audit/mod.ts';
import { createEvent, ValidationError } from '../../modules/kernel/mod.ts';
import { runners } from './runners.ts';

// Payloads as their publishers' schemas require: the user and a session, unless given.
const event = (type: string, subject: string | undefined, data: Record<string, unknown> = {}, time?: Date) =>
  createEvent({ source: 'test', type, subject, data: subject ? { userId: subject, sessionId: 's0', ...data } : data, time });

describe.each(runners)('audit service ($name)', ({ wrap }) => {
  // Events arrive in-process (the audit module's own subscription); reads go through the runner.
  function setup() {
    const audit = createAuditService({ entries: createMemoryAuditRepository() });
    return { audit, api: wrap<AuditApi>(audit, { module: 'audit', spec: auditApiSpec, errors: auditErrors }) };
  }

  it('its handlers record security events once each, newest first, with session, ip and user agent', async () => {
    const { audit, api } = setup();
    const login = event('user.login', 'u1', { sessionId: 's1', ip: '198.51.100.1', userAgent: 'ua' }, new Date('2026-01-01T00:00:01Z'));
    await audit.handlers.handle(event('user.registered', 'u1', {}, new Date('2026-01-01T00:00:00Z')));
    await audit.handlers.handle(login);
    await audit.handlers.handle(login);
    expect(await api.list({ userId: 'u1' })).toEqual([
      { id: login.id, type: 'user.login', time: login.time, sessionId: 's1', ip: '198.51.100.1', userAgent: 'ua' },
      expect.objectContaining({ type: 'user.registered' }),
    ]);
  });

  it('its handlers ignore events that are not security activity or name no user', async () => {
    const { audit, api } = setup();
    await audit.handlers.handle(event('user.updated', 'u1'));
    await audit.handlers.handle(event('session.created', 'u1'));
    await audit.handlers.handle(event('user.login_failed', undefined));
    expect(await api.list({ userId: 'u1' })).toEqual([]);
  });

  it('user.deleted erases the log, and revocations caused by the deletion are not recorded', async () => {
    const { audit, api } = setup();
    await audit.handlers.handle(event('user.login', 'u1'));
    await audit.handlers.handle(event('user.deleted', 'u1'));
    await audit.handlers.handle(event('session.revoked', 'u1', { sessionId: 's1', reason: 'user_deleted' }));
    expect(await api.list({ userId: 'u1' })).toEqual([]);
  });

  it('records admin actions in the target’s log with their actor, showing the target neither the admin nor their address', async () => {
    const { audit, api } = setup();
    const admin = { actorId: 'admin1', ip: '203.0.113.9', userAgent: 'admin-ua' };
    const disabled = createEvent({ source: 'admin', type: 'admin.user_disabled', subject: 'u1', data: { userId: 'u1', ...admin } });
    const unlocked = createEvent({ source: 'admin', type: 'admin.user_unlocked', subject: 'u2', data: { userId: 'u2', ...admin } });
    await audit.handlers.handle(disabled);
    await audit.handlers.handle(unlocked);
    expect(await api.list({ userId: 'u1' })).toEqual([{ id: disabled.id, type: 'admin.user_disabled', time: disabled.time }]);
    expect(await api.search({ type: 'admin.user_disabled' })).toEqual([
      { id: disabled.id, userId: 'u1', type: 'admin.user_disabled', time: disabled.time, ...admin },
    ]);
  });

  it('search() lists every user’s events newest first, by user or type, and refuses an unknown type', async () => {
    const { audit, api } = setup();
    const times = [0, 1, 2].map((s) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)));
    await audit.handlers.handle(event('user.login', 'u1', {}, times[0]));
    await audit.handlers.handle(event('user.logout', 'u2', {}, times[1]));
    await audit.handlers.handle(event('user.login', 'u2', {}, times[2]));
    expect((await api.search({})).map((e) => [e.userId, e.type])).toEqual([
      ['u2', 'user.login'],
      ['u2', 'user.logout'],
      ['u1', 'user.login'],
    ]);
    expect((await api.search({ type: 'user.login', limit: 1 })).map((e) => e.userId)).toEqual(['u2']);
    expect((await api.search({ userId: 'u1' })).map((e) => e.type)).toEqual(['user.login']);
    await expect(api.search({ type: 'user.renamed' as 'user.login' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('list() honours limit', async () => {
    const { audit, api } = setup();
    for (let i = 0; i < 5; i++) await audit.handlers.handle(event('user.login', 'u1', {}, new Date(Date.UTC(2026, 0, 1, 0, 0, i))));
    expect(await api.list({ userId: 'u1', limit: 2 })).toHaveLength(2);
  });
});
