import type { ModuleDescriptor, PortDescriptor } from '../modules/kernel/mod.ts';
import { modules, type CallableModule, type DescriptorOf } from './modules.ts';

/** Each callable module's port, by module name. */
export type PortApis = { [M in CallableModule]: DescriptorOf<M> extends ModuleDescriptor<M, infer Api> ? Api : never };

/** Each module's port as it crosses a process boundary: its name in traces, method specs and errors. */
export const ports = Object.fromEntries(modules.map(({ descriptor }) => [descriptor.name, descriptor.port])) as {
  [M in CallableModule]: PortDescriptor<PortApis[M]>;
};
