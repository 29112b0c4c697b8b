/**
 * The notification module: outgoing mail, as the effect of user events. Other code imports only
 * this file.
 */
export type { Mail, Mailer, NotificationApi } from './ports.ts';
export { escapeHtml, type MailContent } from './templates.ts';
export { notificationHandlers, type NotificationDeps } from './service.ts';
export { notificationModule, type NotificationModuleDeps } from './module.ts';
