import { defineModule, type ModuleInstance } from '../kernel/mod.ts';
import type { UserApi } from '../user/mod.ts';
import type { Mailer, NotificationApi } from './ports.ts';
import { notificationHandlers } from './service.ts';
import { notificationSettings } from './settings.ts';

export interface NotificationModuleDeps {
  calls: { user: UserApi };
  mailer: Mailer;
  /** Base of every link in a mail (PUBLIC_URL). */
  publicUrl: string;
}

/** Outgoing mail: verification, recovery and change-of-address links and notices, as effects of user events. */
export const notificationModule = defineModule({
  name: 'notification',
  port: { name: 'NotificationApi', spec: {}, errors: {} },
  calls: ['user'],
  routes: [],
  publishes: {},
  errorStatus: {},
  settings: notificationSettings,
  create({ calls, mailer, publicUrl }: NotificationModuleDeps): ModuleInstance<NotificationApi> {
    return { api: {}, handlers: () => notificationHandlers({ user: calls.user, mailer, publicUrl: publicUrl.replace(/\/+$/, '') }) };
  },
});
