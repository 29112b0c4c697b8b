import { describe, expect, it } from 'vitest';
import { runUntilExit } from './process.ts';

// An address its client cannot parse is a misconfiguration caught with the others, before the
// process starts anything: once a raw TypeError (Invalid URL) and its stack trace.
describe('an address that does not parse', () => {
  it.each([
    ['REDIS_URL', { DATABASE_URL: 'memory', REDIS_URL: 'redis://:hunter2@[::1' }],
    ['DATABASE_URL', { DATABASE_URL: 'postgres://app:hunter2@[::1/auth' }],
  ])('stops the process at once with one line naming %s and what is wrong, never the password', async (variable, env) => {
    const { code, stderr } = await runUntilExit('node', env);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'Invalid configuration:',
      `  - ${variable}: does not parse as a URL: check the host (an IPv6 address goes in [brackets]) and the port (0–65535), and %-encode @ : / ? # in the user name and password`,
    ]);
    expect(stderr).not.toContain('hunter2');
  });
});
