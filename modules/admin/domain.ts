import { z } from 'zod';
import { requestMetaSchema } from '../kernel/mod.ts';
import { mfaSummarySchema } from '../mfa/mod.ts';
import { sessionViewSchema } from '../session/mod.ts';
import { accountViewSchema } from '../user/mod.ts';

/** An action of an admin (`actorId`, from their access token) on an account (`userId`). */
export const actionInputSchema = z.object({
  actorId: z.string().min(1),
  userId: z.string().min(1),
  meta: requestMetaSchema.optional(),
});
export type ActionInput = z.input<typeof actionInputSchema>;

/** One active session of an account, as admins see it. */
export const adminSessionViewSchema = sessionViewSchema.omit({ userId: true });

/** An account, its active sessions (newest first) and its second factors. */
export const userDetailSchema = z.object({ user: accountViewSchema, sessions: z.array(adminSessionViewSchema), mfa: mfaSummarySchema });
export type UserDetail = z.infer<typeof userDetailSchema>;
