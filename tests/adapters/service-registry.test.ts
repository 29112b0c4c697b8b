import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServiceRegistry } from '../../adapters/http/service-registry.ts';

afterEach(() => vi.useRealTimers());

describe('service registry', () => {
  it('round-robins over every instance', () => {
    const registry = createServiceRegistry({ instances: ['http://a', 'http://b', 'http://c'] });
    expect(Array.from({ length: 6 }, () => registry.pick())).toEqual([
      'http://a',
      'http://b',
      'http://c',
      'http://a',
      'http://b',
      'http://c',
    ]);
  });

  it('skips an instance after failed probes and takes it back when a probe passes', async () => {
    vi.useFakeTimers();
    const down = new Set(['http://b']);
    const registry = createServiceRegistry({
      instances: ['http://a', 'http://b'],
      probe: async (url) => !down.has(url),
      intervalMs: 100,
      failuresToSkip: 2,
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(registry.unhealthy()).toEqual([]); // one failure is not enough
    await vi.advanceTimersByTimeAsync(100);
    expect(registry.unhealthy()).toEqual(['http://b']);
    expect(new Set(Array.from({ length: 4 }, () => registry.pick()))).toEqual(new Set(['http://a']));
    down.clear();
    await vi.advanceTimersByTimeAsync(100);
    expect(new Set(Array.from({ length: 4 }, () => registry.pick()))).toEqual(new Set(['http://a', 'http://b']));
    registry.close();
  });

  it('uses every instance again when all of them fail, rather than none', async () => {
    vi.useFakeTimers();
    const registry = createServiceRegistry({
      instances: ['http://a', 'http://b'],
      probe: async () => false,
      intervalMs: 100,
      failuresToSkip: 1,
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(registry.unhealthy()).toEqual(['http://a', 'http://b']);
    expect(new Set([registry.pick(), registry.pick()])).toEqual(new Set(['http://a', 'http://b']));
    registry.close();
  });
});
