/** One mail: its recipient, its subject, and the same content as plain text and as HTML. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * Sends mail through a transport (SMTP in production, the log in development); the sender is the
 * adapter's (MAIL_FROM). Mails are an effect of events, sent by the notification module's
 * handlers: a failure is retried by the event bus with back-off, then dead-lettered.
 */
export interface Mailer {
  /**
   * Hands one mail to the transport; resolves once the transport has accepted it (for SMTP, the
   * server's answer to the message). Transport down, not answering within the adapter's timeouts,
   * or refusing the mail: UnavailableError, and the mail was not accepted unless only the answer
   * was lost (a retry then sends it twice: mail goes out at least once).
   */
  send(mail: Mail): Promise<void>;
  /** Releases the transport's connections; resolves even while the transport is down. */
  close(): Promise<void>;
}

/** The notification module offers nothing to call: it reacts to events only. */
export type NotificationApi = Record<never, never>;
