import { createHttpPortClient } from '../../adapters/http/port-client.ts';
import { createServiceTokenIssuer } from '../../adapters/http/service-token.ts';
import type { ErrorRegistry, PortSpec } from '../../modules/kernel/mod.ts';
import { errorStatusByCode } from '../../src/error-status.ts';
import { internalEndpoints } from '../../src/internal-endpoints.ts';
import { createProblemHandler } from '../../src/problem.ts';

/** How a test reaches a port: the object itself, or the same object behind its HTTP routes. */
export interface Runner {
  name: string;
  wrap<Api extends object>(impl: Api, remote: { module: string; spec: PortSpec<Api>; errors: ErrorRegistry }): Api;
}

const secret = 'runner-secret-that-is-at-least-32-characters';

/**
 * Like Service Weaver's runners: every port test runs in-process and forced-remote. The remote
 * runner mounts the real internal routes (app.request, no socket) and delivers every call of a
 * method marked idempotent twice, answering with the second result, as a retry after a lost
 * response would: a method wrongly marked idempotent then fails its tests.
 */
export const runners: Runner[] = [
  { name: 'in-process', wrap: (impl) => impl },
  {
    name: 'remote over HTTP',
    wrap(impl, { module, spec, errors }) {
      const app = internalEndpoints({
        ports: [{ module, spec, impl }],
        secret,
        onError: createProblemHandler({ statusByCode: errorStatusByCode, logError: () => {}, exposeDetails: true }),
      });
      const idempotent = (url: string) => (spec as Record<string, { idempotent: boolean }>)[url.split('/').pop()!]?.idempotent;
      return createHttpPortClient({
        module,
        spec,
        errors,
        baseUrl: () => 'http://remote.test',
        serviceToken: createServiceTokenIssuer({ secret, caller: 'gateway+auth' }),
        async fetch(url, init) {
          if (idempotent(url)) await app.request(url, init);
          return app.request(url, init);
        },
      });
    },
  },
];
