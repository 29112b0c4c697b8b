import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { gatewayErrorStatus } from '../modules/gateway/mod.ts';
import { kernelErrorStatus } from '../modules/kernel/http.ts';
import { modules } from './modules.ts';

/** Every domain error code of every module, mapped to its HTTP status. */
export const errorStatusByCode: Readonly<Record<string, ContentfulStatusCode>> = Object.assign(
  { ...kernelErrorStatus, ...gatewayErrorStatus, service_unauthenticated: 401 },
  ...modules.map(({ descriptor }) => descriptor.errorStatus),
);
