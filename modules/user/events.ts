import { createEvent, type CloudEvent, type RequestMeta } from '../kernel/mod.ts';

export const userEventTypes = {
  registered: 'user.registered',
  updated: 'user.updated',
  passwordChanged: 'user.password_changed',
  deleted: 'user.deleted',
} as const;

/** `user.password_changed` carries the session that made the change: it alone survives. */
export interface PasswordChangedData extends RequestMeta {
  userId: string;
  sessionId: string;
}

export function userEvent(
  type: (typeof userEventTypes)[keyof typeof userEventTypes],
  userId: string,
  data: Record<string, unknown> = {},
  time?: Date,
): CloudEvent {
  return createEvent({ source: 'user', type, subject: userId, data: { userId, ...data }, time });
}
