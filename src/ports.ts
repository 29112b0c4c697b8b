import { auditApiSpec, auditErrors, type AuditApi } from '../modules/audit/mod.ts';
import { authApiSpec, authErrors, type AuthApi } from '../modules/auth/mod.ts';
import { tracePort, type ErrorRegistry, type PortSpec } from '../modules/kernel/mod.ts';
import { sessionApiSpec, sessionErrors, type SessionApi } from '../modules/session/mod.ts';
import { userApiSpec, userErrors, type UserApi } from '../modules/user/mod.ts';
import type { CallableModule } from '../config/placement.ts';

export interface PortApis {
  auth: AuthApi;
  user: UserApi;
  session: SessionApi;
  audit: AuditApi;
}

/** Each module's port as it crosses a process boundary: its name in traces, method specs and errors. */
export const ports: { [M in CallableModule]: { name: string; spec: PortSpec<PortApis[M]>; errors: ErrorRegistry } } = {
  auth: { name: 'AuthApi', spec: authApiSpec, errors: authErrors },
  user: { name: 'UserApi', spec: userApiSpec, errors: userErrors },
  session: { name: 'SessionApi', spec: sessionApiSpec, errors: sessionErrors },
  audit: { name: 'AuditApi', spec: auditApiSpec, errors: auditErrors },
};

/** A module's port with a span around every call, tagged with where the call goes. */
export function traced<M extends CallableModule>(module: M, api: PortApis[M], where: 'local' | 'remote'): PortApis[M] {
  const { name, spec } = ports[module];
  return tracePort(name, spec, api, { remote: where === 'remote' });
}
