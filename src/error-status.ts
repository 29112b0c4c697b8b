import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { gatewayErrorStatus } from '../modules/gateway/mod.ts';
import { kernelErrorStatus } from '../modules/kernel/http.ts';
import { modules, type HostedModule } from './modules.ts';

export type StatusByCode = Readonly<Record<string, ContentfulStatusCode>>;

/** Every domain error code of the kernel, the gateway and each of `bindings`, mapped to its HTTP status. */
export function errorStatusOf(bindings: readonly HostedModule[]): StatusByCode {
  return Object.assign(
    { ...kernelErrorStatus, ...gatewayErrorStatus, service_unauthenticated: 401 },
    ...bindings.map(({ descriptor }) => descriptor.errorStatus),
  );
}

/** The error statuses of this system's modules. */
export const errorStatusByCode = errorStatusOf(modules);
