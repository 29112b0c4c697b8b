import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServiceTokenIssuer, createServiceTokenVerifier } from '../../adapters/http/service-token.ts';

const secret = 'a-test-secret-that-is-long-enough-1234';
const ada = { userId: 'u-ada', sessionId: 's-ada' };
const grace = { userId: 'u-grace', sessionId: 's-grace' };

afterEach(() => {
  vi.useRealTimers();
});

describe('service tokens', () => {
  it('are reused per audience and forwarded session while they have time left, then renewed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const issue = createServiceTokenIssuer({ secret, caller: 'gateway' });
    const first = await issue('user:edge', ada);
    vi.advanceTimersByTime(2_000);
    expect(await issue('user:edge', ada)).toBe(first); // signed anew, its iat would differ
    expect(await issue('user:edge', grace)).not.toBe(first); // each session its own
    expect(await issue('session:edge', ada)).not.toBe(first); // each audience its own
    const bare = await issue('user');
    vi.advanceTimersByTime(3_001); // a user's token lives 10 s: renewed once it has 5 s left
    const renewed = await issue('user:edge', ada);
    expect(renewed).not.toBe(first);
    expect(await issue('user')).toBe(bare); // a bare one lives 120 s, renewed 30 s before its end
    vi.advanceTimersByTime(90_000);
    expect(await issue('user')).not.toBe(bare);
  });

  it('are believed from memory only until they expire, and never across keys or audiences', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verify = createServiceTokenVerifier({ secret, audience: 'user:edge' });
    const token = await createServiceTokenIssuer({ secret, caller: 'gateway' })('user:edge', ada);
    expect(await verify(token)).toEqual({ caller: 'gateway', principal: ada });
    expect(await verify(token)).toEqual({ caller: 'gateway', principal: ada }); // the remembered verdict
    vi.advanceTimersByTime(10_001);
    expect(await verify(token)).toBeNull();

    const forged = await createServiceTokenIssuer({ secret: `${secret}-other`, caller: 'gateway' })('user:edge', ada);
    expect(await verify(forged)).toBeNull();
    const elsewhere = await createServiceTokenIssuer({ secret, caller: 'gateway' })('session:edge', ada);
    expect(await verify(elsewhere)).toBeNull();
    expect(await createServiceTokenVerifier({ secret, audience: 'session:edge' })(elsewhere)).toEqual({
      caller: 'gateway',
      principal: ada,
    });
  });

  it("carry the forwarded principal's roles, a token per set of roles", async () => {
    const issue = createServiceTokenIssuer({ secret, caller: 'gateway' });
    const verify = createServiceTokenVerifier({ secret, audience: 'admin:edge' });
    const asAdmin = await issue('admin:edge', { ...ada, roles: ['admin'] });
    expect(await verify(asAdmin)).toEqual({ caller: 'gateway', principal: { ...ada, roles: ['admin'] } });
    const withoutRoles = await issue('admin:edge', ada);
    expect(withoutRoles).not.toBe(asAdmin); // a role revoked meanwhile is not forwarded from an older token
    expect(await verify(withoutRoles)).toEqual({ caller: 'gateway', principal: ada });
  });
});
