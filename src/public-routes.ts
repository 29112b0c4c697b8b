import type { RouteGroup } from '../modules/kernel/mod.ts';
import { modules, type CallableModule } from './modules.ts';
import type { PortApis } from './ports.ts';

/** One group of public routes (a module's RouteGroup) and the module serving it. */
export interface PublicRouteGroup<M extends CallableModule = CallableModule> extends RouteGroup<PortApis[M]> {
  module: M;
}

/** The public API, group by group: the one table the gateway, the services and the document read. */
export const publicRouteGroups: readonly PublicRouteGroup[] = modules.flatMap(({ descriptor }) =>
  descriptor.routes.map((group: RouteGroup<any>) => ({ ...group, module: descriptor.name })),
);
