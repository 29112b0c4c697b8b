import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/mod.ts';
import type { Logger } from '../../src/log.ts';
import { createSystem } from '../../src/system.ts';
import { createClient } from './client.ts';

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const write = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => void lines.push({ level, msg, ...fields });
  const logger: Logger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
  return { logger, lines };
}

describe('request logs', () => {
  it('write one line per request with route template, status, duration and ids, and never a secret', async () => {
    const { logger, lines } = capturingLogger();
    const system = await createSystem(loadConfig({ DATABASE_URL: 'memory' }), { clientIp: () => '203.0.113.7', logger });
    try {
      const api = createClient({ clientIp: '203.0.113.7', request: async (path, init) => system.app.request(path, init), close: async () => {} });
      const s = await api.signedUp();
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      await api.call('DELETE', `/api/sessions/${crypto.randomUUID()}`, { token: s.accessToken, headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'X-Request-Id': 'req-42' } });
      const line = lines.find((l) => l.msg === 'request' && l.requestId === 'req-42');
      expect(line).toMatchObject({ level: 'info', method: 'DELETE', route: '/api/sessions/:id', status: 404, traceId, durationMs: expect.any(Number) });
      const all = JSON.stringify(lines);
      for (const secret of [s.password, s.accessToken, s.refreshToken]) expect(all).not.toContain(secret);
      expect(lines.filter((l) => l.msg === 'request')).toHaveLength(3); // register, login, the DELETE
    } finally {
      await system.close();
    }
  });
});
