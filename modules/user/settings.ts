import { z } from 'zod';
import { defineSettings } from '../kernel/mod.ts';
import { canonicalEmail, emailSchema } from './domain.ts';

/** The user module's variables (README, "Configuration"). */
export const userSettings = defineSettings(
  z.object({
    /**
     * Accounts that get the `admin` role at their next login (bootstrap); `npm run admin` grants
     * and revokes roles at run time.
     */
    ADMIN_EMAILS: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((email) => email.trim())
          .filter(Boolean),
      )
      .pipe(z.array(emailSchema, { message: 'must be a comma list of email addresses' })),
  }),
  (env) => ({ adminEmails: env.ADMIN_EMAILS.map(canonicalEmail) }),
);
