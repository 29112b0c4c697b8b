import { gatewayErrorStatus } from '../modules/gateway/mod.ts';
import { kernelErrorStatus } from '../modules/kernel/http.ts';
import { sessionErrorStatus } from '../modules/session/mod.ts';
import { userErrorStatus } from '../modules/user/mod.ts';

/** Every domain error code of every module, mapped to its HTTP status. */
export const errorStatusByCode = {
  ...kernelErrorStatus,
  ...gatewayErrorStatus,
  ...userErrorStatus,
  ...sessionErrorStatus,
  service_unauthenticated: 401,
} as const;
