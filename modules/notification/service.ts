import { eventHandlers, type HandlerSet } from '../kernel/mod.ts';
import { type UserApi, userEvents } from '../user/mod.ts';
import type { Mailer } from './ports.ts';
import { passwordChangedNoticeMail } from './templates.ts';

export interface NotificationDeps {
  user: UserApi;
  mailer: Mailer;
  /** Base of every link in a mail (PUBLIC_URL), without a trailing slash. */
  publicUrl: string;
}

/**
 * The mails the account lifecycle needs, each an effect of a user event. A handler that throws
 * (the transport is down) has its event delivered again with back-off, then dead-lettered: the
 * request that caused it answered long before. An account gone meanwhile gets no mail.
 */
export function notificationHandlers({ user, mailer }: NotificationDeps): HandlerSet {
  return eventHandlers(userEvents, {
    async 'user.password_changed'({ data }) {
      const account = await user.getById(data.userId);
      if (account) await mailer.send({ to: account.email, ...passwordChangedNoticeMail() });
    },
  });
}
