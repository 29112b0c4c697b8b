/** Where the instances of one service are. */
export interface ServiceRegistry {
  /** A base URL to send the next call to. */
  pick(): string;
  readonly instances: readonly string[];
}

/** Static list from config (or one DNS name per Kubernetes Service); calls round-robin over it. */
export function createStaticServiceRegistry(instances: readonly string[]): ServiceRegistry {
  if (instances.length === 0) throw new Error('a service needs at least one instance URL');
  let next = 0;
  return {
    instances,
    pick: () => instances[next++ % instances.length]!,
  };
}
