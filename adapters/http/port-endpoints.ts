import { Hono } from 'hono';
import { RouteNotFoundError } from '../../modules/gateway/mod.ts';
import { parseInput, ValidationError, type PortSpec } from '../../modules/kernel/mod.ts';
import type { AppEnv } from '../../modules/kernel/http.ts';

/**
 * Serves a port over HTTP: `POST /<method>` with `{ input }` answers `{ output }`. Inputs and
 * outputs are validated by the port's own schemas; a domain error goes out as problem+json with
 * its code and details (the caller's onError writes it), so the client can rebuild it.
 * `GET /` answers 204: behind the same service-token check as the methods, it tells a caller's
 * readiness check that this process accepts its calls.
 */
export function createPortEndpoints<Api extends object>({ spec, impl }: { spec: PortSpec<Api>; impl: Api }) {
  const methods = spec as Record<string, PortSpec<Api>[keyof Api]>;
  const callable = impl as Record<string, (input: unknown) => Promise<unknown>>;
  return new Hono<AppEnv>()
    .get('/', (c) => c.body(null, 204))
    .post('/:method', async (c) => {
      const name = c.req.param('method');
      const method = Object.hasOwn(methods, name) ? methods[name] : undefined;
      if (!method) throw new RouteNotFoundError();
      const body = (await c.req.json().catch(() => {
        throw new ValidationError('The request body is not JSON.', [{ path: '(root)', message: 'Malformed JSON' }]);
      })) as { input?: unknown } | null;
      const output = await callable[name]!.call(impl, parseInput(method.input, body?.input));
      // `output` is left out for a method that returns nothing (JSON has no undefined).
      const checked = method.output.parse(output);
      return c.json(checked === undefined ? {} : { output: checked });
    });
}
