import { gatewayCalls, modules, type CallableModule, type ModuleName } from '../src/modules.ts';

export type { CallableModule, ModuleName };

/** Which modules each module calls through their ports (the descriptors' `calls`). */
export const moduleNeeds: Readonly<Record<ModuleName, readonly CallableModule[]>> = Object.fromEntries([
  ['gateway', gatewayCalls],
  ...modules.map(({ descriptor }) => [descriptor.name, descriptor.calls]),
]);

/**
 * Every module in waves: each wave calls only modules of earlier waves, so a deployment that starts
 * wave by wave finds what each process calls answering (processes start in any order regardless).
 */
export function startWaves(): ModuleName[][] {
  const started = new Set<ModuleName>();
  const waves: ModuleName[][] = [];
  let pending = Object.keys(moduleNeeds) as ModuleName[];
  while (pending.length > 0) {
    const wave = pending.filter((module) => moduleNeeds[module].every((needed) => started.has(needed)));
    if (wave.length === 0) throw new Error(`modules call each other in a cycle: ${pending.join(', ')}`);
    wave.forEach((module) => started.add(module));
    waves.push(wave);
    pending = pending.filter((module) => !started.has(module));
  }
  return waves;
}

/** Modules a process with `hosted` must reach in other processes. */
export function remoteModules(hosted: readonly ModuleName[]): CallableModule[] {
  const needed = new Set(hosted.flatMap((m) => moduleNeeds[m]));
  return [...needed].filter((m) => !hosted.includes(m)).sort();
}

export type ServiceUrlVariable<M extends CallableModule = CallableModule> = `${Uppercase<M>}_SERVICE_URL`;

/** The variable holding the base URL(s) of a module's service, e.g. `USER_SERVICE_URL`. */
export function serviceUrlVariable<M extends CallableModule>(module: M): ServiceUrlVariable<M> {
  return `${module.toUpperCase()}_SERVICE_URL` as ServiceUrlVariable<M>;
}

/**
 * The `*_SERVICE_URL` variables a process hosting `hosted` needs, given where each module runs:
 * what a deployment script or test writes for each service of a split.
 */
export function serviceUrlEnv(hosted: readonly ModuleName[], urlOf: (module: CallableModule) => string): Record<string, string> {
  return Object.fromEntries(remoteModules(hosted).map((module) => [serviceUrlVariable(module), urlOf(module)]));
}
