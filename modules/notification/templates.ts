/** What a template makes: a subject, and one content as plain text and as HTML. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe to put in HTML, in an element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

/**
 * One mail from its paragraphs and, optionally, the link it is about. Paragraphs are plain text,
 * escaped for the HTML part; nothing a user typed (a display name) goes in, so a mail from us
 * cannot carry someone else's words or links.
 */
function mail(subject: string, paragraphs: string[], link?: { url: string; label: string }, after: string[] = []): MailContent {
  const textParts = [...paragraphs, ...(link ? [link.url] : []), ...after];
  const html = [
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(link ? [`<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`] : []),
    ...after.map((p) => `<p>${escapeHtml(p)}</p>`),
  ];
  return {
    subject,
    text: `${textParts.join('\n\n')}\n`,
    html: `<!doctype html><html><body>${html.join('')}</body></html>`,
  };
}

const ignore = 'If this was not you, you can ignore this mail.';
const contact = 'If this was not you, reset your password at once and check the sessions of your account.';

/** A link to prove the account owns its address (API.md: valid 24 h). */
export const verifyEmailMail = (url: string, hours: number) =>
  mail(
    'Confirm your email address',
    ['Confirm that this address belongs to your account by opening this link:'],
    { url, label: 'Confirm my email address' },
    [`The link works once, for ${hours} hours.`, ignore],
  );

/** A link to set a new password (API.md: valid 30 min). */
export const resetPasswordMail = (url: string, minutes: number) =>
  mail(
    'Reset your password',
    ['Someone asked to reset the password of the account with this address. To choose a new password, open this link:'],
    { url, label: 'Choose a new password' },
    [`The link works once, for ${minutes} minutes; a newer link replaces it.`, ignore],
  );

/** Tells the account its password was reset, after the fact. */
export const passwordResetNoticeMail = () =>
  mail('Your password was reset', [
    'The password of your account was just reset with a link sent to this address, and every session was signed out.',
    // Said to every account: whether it has a second factor is not this module's to look up.
    'Second factors you have set up (an authenticator app, passkeys) stay as they were: signing in still asks for one.',
    contact,
  ]);

/** Tells the account its password was changed, after the fact. */
export const passwordChangedNoticeMail = () =>
  mail('Your password was changed', ['The password of your account was just changed, and every other session was signed out.', contact]);

/** A link, sent to the new address, that makes it the account's address. */
export const confirmEmailChangeMail = (url: string, hours: number) =>
  mail(
    'Confirm your new email address',
    ['To make this the email address of your account, open this link:'],
    { url, label: 'Use this email address' },
    [`The link works once, for ${hours} hours.`, ignore],
  );

/** Tells the old address that a change to `newEmail` was asked for. */
export const emailChangeNoticeMail = (newEmail: string) =>
  mail('Your email address is being changed', [
    `Someone signed in to your account asked to change its email address to ${newEmail}. The change happens once the link sent there is opened.`,
    contact,
  ]);
