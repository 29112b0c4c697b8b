import { modules, type HostedModule } from './modules.ts';

/** One group of public routes (a hosted module's RouteGroup) and the module serving it. */
export type PublicRouteGroup = HostedModule['descriptor']['routes'][number] & { module: string };

/** The public API of `bindings`, group by group: the one table the gateway, the services and the document read. */
export function routeGroupsOf(bindings: readonly HostedModule[]): PublicRouteGroup[] {
  return bindings.flatMap(({ descriptor }) => descriptor.routes.map((group) => ({ ...group, module: descriptor.name })));
}

/** The public API of this system's modules. */
export const publicRouteGroups: readonly PublicRouteGroup[] = routeGroupsOf(modules);
