import { openApiRoutes, principalOf, requestMetaOf, type StatusTable } from '../kernel/http.ts';
import type { MfaErrorCode } from './errors.ts';
import type { MfaApi } from './ports.ts';
import {
  addPasskey,
  confirmTotp,
  getSummary,
  passkeyOptions,
  regenerateRecoveryCodes,
  removePasskey,
  removeTotp,
  startTotp,
} from './routes.ts';

export const mfaErrorStatus = {
  invalid_code: 400,
  invalid_credential: 400,
  mfa_already_enabled: 409,
  mfa_not_enabled: 409,
  passkey_not_found: 404,
} satisfies StatusTable<MfaErrorCode>;

/** Public routes under /api/users/me/mfa; every one needs an authenticated principal. */
export function mfaEndpoints(api: MfaApi) {
  return openApiRoutes()
    .openapi(getSummary, async (c) => c.json(await api.summary(principalOf(c).userId), 200))
    .openapi(startTotp, async (c) => {
      return c.json(await api.startTotp({ userId: principalOf(c).userId, ...c.req.valid('json'), meta: requestMetaOf(c) }), 200);
    })
    .openapi(confirmTotp, async (c) => {
      const { userId, sessionId } = principalOf(c);
      return c.json(await api.confirmTotp({ userId, sessionId, ...c.req.valid('json'), meta: requestMetaOf(c) }), 200);
    })
    .openapi(removeTotp, async (c) => {
      await api.disableTotp({ userId: principalOf(c).userId, ...c.req.valid('json'), meta: requestMetaOf(c) });
      return c.body(null, 204);
    })
    .openapi(regenerateRecoveryCodes, async (c) => {
      return c.json(
        await api.regenerateRecoveryCodes({ userId: principalOf(c).userId, ...c.req.valid('json'), meta: requestMetaOf(c) }),
        200,
      );
    });
}

/** Public routes under /api/users/me/passkeys; every one needs an authenticated principal. */
export function passkeyEndpoints(api: MfaApi) {
  return openApiRoutes()
    .openapi(passkeyOptions, async (c) => c.json(await api.passkeyRegistrationOptions(principalOf(c).userId), 200))
    .openapi(addPasskey, async (c) => {
      const passkey = await api.addPasskey({ userId: principalOf(c).userId, ...c.req.valid('json'), meta: requestMetaOf(c) });
      return c.json({ passkey }, 201);
    })
    .openapi(removePasskey, async (c) => {
      await api.removePasskey({ userId: principalOf(c).userId, passkeyId: c.req.valid('param').id, meta: requestMetaOf(c) });
      return c.body(null, 204);
    });
}
