/** Where the instances of one service are. */
export interface ServiceRegistry {
  /** A base URL to send the next call to: round-robin over the instances believed healthy. */
  pick(): string;
  readonly instances: readonly string[];
  /** Instances currently skipped after failed probes. */
  unhealthy(): string[];
  /** Stops probing. */
  close(): void;
}

export interface ServiceRegistryOptions {
  /** Base URLs from config (`*_SERVICE_URL`, comma-separated), or one DNS name per Kubernetes Service. */
  instances: readonly string[];
  /** Resolves true when an instance answers; without one, every instance is always used. */
  probe?: (baseUrl: string) => Promise<boolean>;
  intervalMs?: number;
  /** Consecutive failed probes before an instance is skipped; one passing probe brings it back. */
  failuresToSkip?: number;
}

/**
 * A static registry with health probing: calls round-robin over the instances whose recent probes
 * passed; an instance is skipped after `failuresToSkip` failed probes and returns when one passes.
 * When every instance is failing, all are used again (better a fast failure than none to try).
 */
export function createServiceRegistry({
  instances,
  probe,
  intervalMs = 2000,
  failuresToSkip = 2,
}: ServiceRegistryOptions): ServiceRegistry {
  if (instances.length === 0) throw new Error('a service needs at least one instance URL');
  const failures = new Map(instances.map((url) => [url, 0]));
  let next = 0;

  async function probeAll() {
    await Promise.all(
      instances.map(async (url) => {
        const ok = await probe!(url).catch(() => false);
        failures.set(url, ok ? 0 : failures.get(url)! + 1);
      }),
    );
  }
  const timer = probe ? setInterval(() => void probeAll(), intervalMs) : undefined;
  timer?.unref?.();

  const healthy = () => instances.filter((url) => failures.get(url)! < failuresToSkip);
  return {
    instances,
    pick() {
      const candidates = healthy();
      const pool = candidates.length > 0 ? candidates : instances;
      return pool[next++ % pool.length]!;
    },
    unhealthy: () => instances.filter((url) => failures.get(url)! >= failuresToSkip),
    close: () => clearInterval(timer),
  };
}
