import { eventHandlers, type HandlerSet } from '../kernel/mod.ts';
import { accountTokenLifetimes, type UserApi, userEvents } from '../user/mod.ts';
import type { Mailer } from './ports.ts';
import {
  confirmEmailChangeMail,
  emailChangeNoticeMail,
  passwordChangedNoticeMail,
  passwordResetNoticeMail,
  resetPasswordMail,
  verifyEmailMail,
} from './templates.ts';

export interface NotificationDeps {
  user: UserApi;
  mailer: Mailer;
  /** Base of every link in a mail (PUBLIC_URL), without a trailing slash. */
  publicUrl: string;
}

const hours = (ms: number) => ms / 3_600_000;
const minutes = (ms: number) => ms / 60_000;

/**
 * The mails the account lifecycle needs, each an effect of a user event. A handler that throws
 * (the transport is down) has its event delivered again with back-off, then dead-lettered: the
 * request that caused it answered long before. A link's token is issued here, by the user module,
 * just before its mail, so no raw token is ever in an event, the outbox or a log; a redelivery
 * issues a fresh one, voiding the one whose mail failed. An account gone meanwhile gets no mail.
 */
export function notificationHandlers({ user, mailer, publicUrl }: NotificationDeps): HandlerSet {
  const link = (page: string, token: string) => `${publicUrl}/${page}?token=${encodeURIComponent(token)}`;

  async function sendVerification(userId: string) {
    const issued = await user.issueAccountToken({ userId, kind: 'email_verification' });
    if (!issued) return; // gone, or verified already
    const url = link('verify-email', issued.token);
    await mailer.send({ to: issued.to, ...verifyEmailMail(url, hours(accountTokenLifetimes.email_verification)) });
  }

  /** A notice to the account's current address. */
  async function notify(userId: string, content: { subject: string; text: string; html: string }) {
    const account = await user.getById(userId);
    if (account) await mailer.send({ to: account.email, ...content });
  }

  return eventHandlers(userEvents, {
    'user.registered': ({ data }) => sendVerification(data.userId),
    'user.email_verification_requested': ({ data }) => sendVerification(data.userId),

    async 'user.password_reset_requested'({ data }) {
      const issued = await user.issueAccountToken({ userId: data.userId, kind: 'password_reset' });
      if (!issued) return;
      const url = link('reset-password', issued.token);
      await mailer.send({ to: issued.to, ...resetPasswordMail(url, minutes(accountTokenLifetimes.password_reset)) });
    },

    'user.password_reset': ({ data }) => notify(data.userId, passwordResetNoticeMail()),
    'user.password_changed': ({ data }) => notify(data.userId, passwordChangedNoticeMail()),

    async 'user.email_change_requested'({ data }) {
      // The notice first: should the link's mail fail, the retry sends the notice again (harmless)
      // and a fresh link; the other order could leave a delivered link voided by the retry's.
      await notify(data.userId, emailChangeNoticeMail(data.newEmail));
      const issued = await user.issueAccountToken({ userId: data.userId, kind: 'email_change', newEmail: data.newEmail });
      if (!issued) return;
      const url = link('confirm-email', issued.token);
      await mailer.send({ to: issued.to, ...confirmEmailChangeMail(url, hours(accountTokenLifetimes.email_change)) });
    },
  });
}
