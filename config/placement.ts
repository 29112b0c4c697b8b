import { gatewayCalls, modules, type CallableModule, type HostedModule, type ModuleName } from '../src/modules.ts';

export type { CallableModule, ModuleName };

/**
 * Where modules may run, from a list of module bindings (src/modules.ts by default; a test may add
 * one): the names SERVICES takes, which modules each one calls, the variables that say where each
 * runs, and an order to start them in.
 */
export interface Placement {
  modules: readonly HostedModule[];
  /** The module of that name (not the gateway); throws for a name not in the placement. */
  module(name: string): HostedModule;
  /** Every module's name, the gateway first. */
  names: readonly string[];
  /** Which modules each module calls through their ports (the descriptors' `calls`). */
  needs: Readonly<Record<string, readonly string[]>>;
  /** Modules a process hosting `hosted` must reach in other processes. */
  remoteModules(hosted: readonly string[]): string[];
  /** The variable holding the base URL(s) of a module's service, e.g. `USER_SERVICE_URL`. */
  urlVariable(module: string): string;
  /**
   * Every module in waves: each wave calls only modules of earlier waves, so a deployment that
   * starts wave by wave finds what each process calls answering (processes start in any order regardless).
   */
  startWaves(): string[][];
}

export type ServiceUrlVariable<M extends CallableModule = CallableModule> = `${Uppercase<M>}_SERVICE_URL`;

export function serviceUrlVariable<M extends string>(module: M): `${Uppercase<M>}_SERVICE_URL` {
  return `${module.toUpperCase() as Uppercase<M>}_SERVICE_URL`;
}

export function createPlacement(bindings: readonly HostedModule[] = modules): Placement {
  // The gateway serves every module's public routes, beside auth's keys and session's revocations.
  const served = bindings.filter(({ descriptor }) => descriptor.routes.length > 0).map(({ descriptor }) => descriptor.name);
  const needs: Record<string, readonly string[]> = {
    gateway: [...new Set([...gatewayCalls, ...served])],
    ...Object.fromEntries(bindings.map(({ descriptor }) => [descriptor.name, descriptor.calls])),
  };
  return {
    modules: bindings,
    module(name) {
      const found = bindings.find(({ descriptor }) => descriptor.name === name);
      if (!found) throw new Error(`no module named "${name}"`);
      return found;
    },
    names: Object.keys(needs),
    needs,
    remoteModules(hosted) {
      const needed = new Set(hosted.flatMap((m) => needs[m] ?? []));
      return [...needed].filter((m) => !hosted.includes(m)).sort();
    },
    urlVariable: serviceUrlVariable,
    startWaves() {
      const started = new Set<string>();
      const waves: string[][] = [];
      let pending = Object.keys(needs);
      while (pending.length > 0) {
        const wave = pending.filter((module) => needs[module]!.every((needed) => started.has(needed)));
        if (wave.length === 0) throw new Error(`modules call each other in a cycle: ${pending.join(', ')}`);
        for (const module of wave) started.add(module);
        waves.push(wave);
        pending = pending.filter((module) => !started.has(module));
      }
      return waves;
    },
  };
}

/** The placement of this system's modules (src/modules.ts). */
export const placement = createPlacement();

export const startWaves = () => placement.startWaves() as ModuleName[][];

/**
 * The `*_SERVICE_URL` variables a process hosting `hosted` needs, given where each module runs:
 * what a deployment script or test writes for each service of a split.
 */
export function serviceUrlEnv(hosted: readonly string[], urlOf: (module: CallableModule) => string): Record<string, string> {
  return Object.fromEntries(
    placement.remoteModules(hosted).map((module) => [placement.urlVariable(module), urlOf(module as CallableModule)]),
  );
}
