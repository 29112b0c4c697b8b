import { authEvents } from '../modules/auth/mod.ts';
import { sessionEvents } from '../modules/session/mod.ts';
import { userEvents } from '../modules/user/mod.ts';

/** Every event type of the system with its payload schema, as the module publishing it declares it. */
export const eventCatalogue = { ...userEvents, ...authEvents, ...sessionEvents };
export type EventCatalogue = typeof eventCatalogue;
