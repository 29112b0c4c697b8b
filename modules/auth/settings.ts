import { z } from 'zod';
import { defineSettings } from '../kernel/mod.ts';

/** The auth module's variables (README, "Configuration"). */
export const authSettings = defineSettings(
  z.object({
    /** `true`: a login with the right password but an unverified email answers 403 email_not_verified. */
    REQUIRE_VERIFIED_EMAIL: z.enum(['true', 'false'], { message: 'must be "true" or "false"' }).default('false'),
  }),
  (env) => ({ requireVerifiedEmail: env.REQUIRE_VERIFIED_EMAIL === 'true' }),
);
