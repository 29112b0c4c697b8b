import { z } from 'zod';
import { defineSettings } from '../kernel/mod.ts';

/** The notification module's variables (README, "Configuration"). */
export const notificationSettings = defineSettings(
  z.object({
    /** Where mail goes: `smtp://user:pass@host:port` or `smtps://…`; unset, mails are written to the log. */
    MAIL_URL: z
      .string()
      .refine((value) => /^smtps?:\/\/[^/?#]+/.test(value) && URL.canParse(value), {
        message: 'must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.com:587',
      })
      .optional(),
    MAIL_FROM: z.string().trim().min(3).max(320).default('modular-auth <no-reply@localhost>'),
  }),
  (env) => ({ mailUrl: env.MAIL_URL, mailFrom: env.MAIL_FROM }),
);
