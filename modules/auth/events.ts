import { createEvent, type CloudEvent, type RequestMeta } from '../kernel/mod.ts';

export const authEventTypes = {
  login: 'user.login',
  loginFailed: 'user.login_failed',
  logout: 'user.logout',
  refreshReuseDetected: 'session.refresh_reuse_detected',
} as const;

export function authEvent(
  type: (typeof authEventTypes)[keyof typeof authEventTypes],
  userId: string | null,
  data: { sessionId?: string } & RequestMeta,
): CloudEvent {
  return createEvent({
    source: 'auth',
    type,
    ...(userId ? { subject: userId } : {}),
    data: { ...(userId ? { userId } : {}), ...data },
  });
}
