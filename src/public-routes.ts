import type { RouteGroup } from '../modules/kernel/mod.ts';
import { modules, type HostedModule } from './modules.ts';

/** One group of public routes (a module's RouteGroup) and the module serving it. */
export interface PublicRouteGroup extends RouteGroup<any> {
  module: string;
}

/** The public API of `bindings`, group by group: the one table the gateway, the services and the document read. */
export function routeGroupsOf(bindings: readonly HostedModule[]): PublicRouteGroup[] {
  return bindings.flatMap(({ descriptor }) => descriptor.routes.map((group) => ({ ...group, module: descriptor.name })));
}

/** The public API of this system's modules. */
export const publicRouteGroups: readonly PublicRouteGroup[] = routeGroupsOf(modules);
