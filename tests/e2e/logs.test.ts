import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { defaultRemotePolicy } from '../../adapters/http/port-client.ts';
import { createServiceTokenIssuer } from '../../adapters/http/service-token.ts';
import { loadConfig } from '../../config/mod.ts';
import { createRemoteModules } from '../../src/remotes.ts';
import { createSystem } from '../../src/system.ts';
import { capturingLogger, loggingClientIp as clientIp, loggingMonolith } from './logging-monolith.ts';
import { eventually } from './harness.ts';
import { dropTestStores, testRedisUrl, uniqueName } from '../support/services.ts';
import { startTestSmtpServer } from '../support/smtp-server.ts';

describe('logs', () => {
  it('write one line per request with route template, status, duration and ids, and never a secret', async () => {
    const { lines, api, close } = await loggingMonolith();
    try {
      const s = await api.signedUp();
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      await api.call('DELETE', `/api/sessions/${crypto.randomUUID()}`, {
        token: s.accessToken,
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'X-Request-Id': 'req-42' },
      });
      const line = lines.find((l) => l.msg === 'request' && l.requestId === 'req-42');
      expect(line).toMatchObject({
        level: 'info',
        method: 'DELETE',
        route: '/api/sessions/:id',
        status: 404,
        traceId,
        durationMs: expect.any(Number),
      });
      const all = JSON.stringify(lines);
      for (const secret of [s.password, s.accessToken, s.refreshToken]) expect(all).not.toContain(secret);
      expect(lines.filter((l) => l.msg === 'request')).toHaveLength(3); // register, login, the DELETE
    } finally {
      await close();
    }
  });

  it('keep probes and scrapes at debug, while still counting them', async () => {
    const { lines, request, close } = await loggingMonolith();
    try {
      for (const path of ['/health/live', '/health/ready', '/metrics', '/openapi.json']) expect((await request(path)).status).toBe(200);
      expect(lines.filter((l) => l.msg === 'request').map((l) => [l.level, l.route])).toEqual([
        ['debug', '/health/live'],
        ['debug', '/health/ready'],
        ['debug', '/metrics'],
        ['info', '/openapi.json'],
      ]);
      expect(await (await request('/metrics')).text()).toMatch(
        /http_requests_total\{method="GET",route="\/health\/live",status="200",service="[^"]+"\} 1/,
      );
    } finally {
      await close();
    }
  });

  it('keep other processes’ readiness greetings at debug too', async () => {
    const { logger, lines } = capturingLogger();
    const secret = 'logs-test-secret-0123456789-abcdefghij';
    const prefix = uniqueName('logs');
    const env = {
      SERVICES: 'user',
      DATABASE_URL: 'memory',
      EVENT_BUS: 'redis',
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: `${prefix}:`,
      SERVICE_TOKEN_SECRET: secret,
    };
    const system = await createSystem(loadConfig(env), { clientIp: () => clientIp, logger });
    try {
      const token = await createServiceTokenIssuer({ secret, caller: 'auth' })('user');
      expect((await system.app.request('/internal/user', { headers: { Authorization: `Bearer ${token}` } })).status).toBe(204);
      expect(lines.filter((l) => l.msg === 'request').map((l) => [l.level, l.route])).toEqual([['debug', '/internal/user']]);
    } finally {
      await system.close();
      await dropTestStores([prefix]);
    }
  });

  it('write one line per security event, once, with who and from where but no secret or email', async () => {
    // Mail through SMTP, as in production: the development mailer logs addresses and links on purpose (below).
    const smtp = await startTestSmtpServer();
    const { lines, api, close } = await loggingMonolith({ MAIL_URL: smtp.url });
    try {
      const s = await api.signedUp();
      const link = (await smtp.waitFor((m) => m.envelope.to.includes(s.email))).links[0]!;
      await api.call('POST', '/api/auth/login', { json: { email: s.email, password: 'not the password' } });
      const userId = s.user.id as string;
      await eventually(async () => {
        expect(lines.filter((l) => l.userId === userId).map((l) => [l.level, l.msg])).toEqual([
          ['info', 'user.registered'],
          ['info', 'user.login'],
          ['warn', 'user.login_failed'],
        ]);
      });
      expect(lines.find((l) => l.msg === 'user.login')).toMatchObject({
        sessionId: s.sessionId,
        ip: clientIp,
        eventId: expect.any(String),
      });
      const all = JSON.stringify(lines);
      const mailToken = new URL(link).searchParams.get('token')!;
      for (const secret of [s.password, s.accessToken, s.refreshToken, s.email, mailToken]) expect(all).not.toContain(secret);
    } finally {
      await close();
      await smtp.close();
    }
  });

  it('without MAIL_URL, warn at start and write each mail’s recipient, subject and links, and nothing else of it', async () => {
    const { lines, api, close } = await loggingMonolith();
    try {
      expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/^MAIL_URL is unset/) }));
      const { email } = await api.register();
      const mail = await eventually(async () => {
        const line = lines.find((l) => l.msg === 'mail (MAIL_URL unset, not sent)' && l.to === email);
        expect(line).toBeDefined();
        return line!;
      });
      expect(Object.keys(mail).sort()).toEqual(['level', 'links', 'msg', 'subject', 'to']);
      expect(mail).toMatchObject({
        subject: 'Confirm your email address',
        links: [expect.stringMatching(/^http:\/\/localhost:3000\/verify-email\?token=[\w-]{43}$/)],
      });
    } finally {
      await close();
    }
  });

  it('write one line per admin action and role change, naming the admin', async () => {
    const { lines, api, close } = await loggingMonolith({ ADMIN_EMAILS: 'boss@example.com' });
    try {
      await api.register('boss@example.com');
      const boss = await api.login('boss@example.com');
      const victim = await api.signedUp();
      const unlocked = await api.call('POST', `/api/admin/users/${victim.user.id}/unlock`, { token: boss.accessToken });
      expect(unlocked.status).toBe(204);
      await eventually(async () => {
        expect(lines.find((l) => l.msg === 'user.roles_changed')).toMatchObject({ level: 'warn', userId: boss.user.id, role: 'admin' });
        expect(lines.find((l) => l.msg === 'admin.user_unlocked')).toMatchObject({
          level: 'info',
          userId: victim.user.id,
          actorId: boss.user.id,
        });
      });
    } finally {
      await close();
    }
  });

  it('write a line when a remote module’s circuit opens and when it closes again', async () => {
    const { logger, lines } = capturingLogger();
    // A port where nothing listens yet; the user module "comes back" there later.
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const { port } = free.address() as AddressInfo;
    await new Promise((resolve) => free.close(resolve));
    const policy = { ...defaultRemotePolicy, attempts: 1, breakerThreshold: 2, halfOpenAfterMs: 50 };
    const serviceToken = createServiceTokenIssuer({ secret: 'logs-test-secret-0123456789-abcdefghij', caller: 'auth' });
    const remote = createRemoteModules({ remotes: { user: [`http://127.0.0.1:${port}`] }, serviceToken, policy, logger });
    const users = remote.user!.api;
    try {
      for (let i = 0; i < 2; i++) await expect(users.getById(crypto.randomUUID())).rejects.toMatchObject({ code: 'service_unavailable' });
      expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'circuit opened', module: 'user' }));

      const back = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"output":null}'));
      await new Promise<void>((resolve) => back.listen(port, '127.0.0.1', resolve));
      try {
        await new Promise((resolve) => setTimeout(resolve, 60));
        await expect(users.getById(crypto.randomUUID())).resolves.toBeNull();
        expect(lines).toContainEqual(expect.objectContaining({ level: 'info', msg: 'circuit closed', module: 'user' }));
      } finally {
        await new Promise((resolve) => back.close(resolve));
      }
    } finally {
      remote.user!.registry.close();
    }
  });
});
