import { z } from 'zod';
import { defineSettings } from '../kernel/mod.ts';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const thirtyDays = 30 * 24 * 60 * 60;

/** The session module's variables (README, "Configuration"). */
export const sessionSettings = defineSettings(
  z.object({
    /** Idle timeout: each rotation slides the session's expiry, never past SESSION_MAX_AGE_SECONDS. */
    REFRESH_TOKEN_TTL_SECONDS: seconds(thirtyDays),
    /** Absolute lifetime from login; caps the idle timeout rather than conflicting with it. */
    SESSION_MAX_AGE_SECONDS: seconds(thirtyDays),
    /** How long a just-rotated token may come back and get the same new pair (multi-tab). */
    REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(300).default(0),
  }),
  (env) => ({
    refreshTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    maxAgeSeconds: env.SESSION_MAX_AGE_SECONDS,
    reuseGraceSeconds: env.REFRESH_REUSE_GRACE_SECONDS,
  }),
);
