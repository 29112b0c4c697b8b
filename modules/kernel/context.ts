import { z } from 'zod';

/** Where a request came from; carried into events so the security activity log can show it. */
export const requestMetaSchema = z.object({
  ip: z.string().max(64).optional(),
  userAgent: z.string().max(512).optional(),
});
export type RequestMeta = z.infer<typeof requestMetaSchema>;

/** The authenticated caller, as established by the gateway from a verified access token. */
export interface Principal {
  userId: string;
  sessionId: string;
  /** The roles its access token carries (`roles` claim); absent means none. */
  roles?: readonly string[];
}

/** Time source, injectable so tests can move time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
