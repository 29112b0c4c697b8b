import { tracePort, type ModuleDescriptor, type PortDescriptor } from '../modules/kernel/mod.ts';
import { modules, type CallableModule } from './modules.ts';

import type { DescriptorOf } from './modules.ts';

/** Each callable module's port, by module name. */
export type PortApis = { [M in CallableModule]: DescriptorOf<M> extends ModuleDescriptor<M, infer Api> ? Api : never };

/** Each module's port as it crosses a process boundary: its name in traces, method specs and errors. */
export const ports = Object.fromEntries(modules.map(({ descriptor }) => [descriptor.name, descriptor.port])) as {
  [M in CallableModule]: PortDescriptor<PortApis[M]>;
};

/** A module's port with a span around every call, tagged with where the call goes. */
export function traced<M extends CallableModule>(module: M, api: PortApis[M], where: 'local' | 'remote'): PortApis[M] {
  const { name, spec } = ports[module];
  return tracePort(name, spec, api, { remote: where === 'remote' });
}
