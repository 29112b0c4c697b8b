import { z } from 'zod';
import { defineSettings } from '../kernel/mod.ts';
import type { RelyingParty } from './webauthn.ts';

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** True for an origin exactly as a browser reports it: scheme, lower-case host, non-default port. */
function isExactOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.origin === value;
  } catch {
    return false;
  }
}

/** The mfa module's variables (README, "Configuration"); unset, both follow PUBLIC_URL. */
export const mfaSettings = defineSettings(
  z.object({
    /** The relying party: a host name (no scheme or port) that each origin's host is, or ends in. */
    WEBAUTHN_RP_ID: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be a lower-case host name, without scheme or port')
      .optional(),
    WEBAUTHN_ORIGINS: z
      .string()
      .transform(list)
      .refine((origins) => origins.length > 0 && origins.every(isExactOrigin), {
        message: 'must be a comma list of exact origins like https://app.example.com, as a browser reports them',
      })
      .optional(),
  }),
  (env) => ({ rpId: env.WEBAUTHN_RP_ID, origins: env.WEBAUTHN_ORIGINS }),
);

export type MfaSettings = { rpId?: string; origins?: string[] };

/** The relying party from the settings, what is unset taken from PUBLIC_URL: its host, its origin. */
export function relyingPartyOf(settings: MfaSettings, publicUrl: string, name: string): RelyingParty {
  const url = new URL(publicUrl);
  return { id: settings.rpId ?? url.hostname, origins: settings.origins ?? [url.origin], name };
}
