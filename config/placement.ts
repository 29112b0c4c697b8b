import type { ModuleName } from './schema.ts';

/** Which modules each module calls through their ports (DESIGN.md, "Modules"). */
export const moduleNeeds: Readonly<Record<ModuleName, readonly CallableModule[]>> = {
  gateway: ['auth', 'user', 'session', 'audit'],
  auth: ['user', 'session'],
  user: [],
  session: [],
  audit: [],
};

/** A module another process can call: every module but the gateway. */
export type CallableModule = Exclude<ModuleName, 'gateway'>;

/** Modules a process with `hosted` must reach in other processes. */
export function remoteModules(hosted: readonly ModuleName[]): CallableModule[] {
  const needed = new Set(hosted.flatMap((m) => moduleNeeds[m]));
  return [...needed].filter((m) => !hosted.includes(m)).sort();
}

const urlVariables = {
  auth: 'AUTH_SERVICE_URL',
  user: 'USER_SERVICE_URL',
  session: 'SESSION_SERVICE_URL',
  audit: 'AUDIT_SERVICE_URL',
} as const satisfies Record<CallableModule, string>;

/** The variable holding the base URL(s) of a module's service. */
export function serviceUrlVariable<M extends CallableModule>(module: M): (typeof urlVariables)[M] {
  return urlVariables[module];
}

/**
 * The `*_SERVICE_URL` variables a process hosting `hosted` needs, given where each module runs:
 * what a deployment script or test writes for each service of a split.
 */
export function serviceUrlEnv(hosted: readonly ModuleName[], urlOf: (module: CallableModule) => string): Record<string, string> {
  return Object.fromEntries(remoteModules(hosted).map((module) => [serviceUrlVariable(module), urlOf(module)]));
}
