import { describe, expect, it } from 'vitest';
import { adminEvents } from '../../modules/admin/mod.ts';
import { authEvents } from '../../modules/auth/mod.ts';
import { createEvent, eventFactory, eventHandlers, MalformedEventError } from '../../modules/kernel/mod.ts';
import { mfaEvents } from '../../modules/mfa/mod.ts';
import { sessionEvents } from '../../modules/session/mod.ts';
import { userEvents } from '../../modules/user/mod.ts';
import { eventCatalogue } from '../../src/events.ts';

describe('typed events', () => {
  it('refuse at compile time an unknown type or a payload that does not fit, in producers and consumers (tsc checks the expect-errors)', () => {
    const userEvent = eventFactory('user', userEvents);
    // @ts-expect-error: no such event type (a renamed event)
    expect(() => userEvent('user.renamed', { userId: 'u1' })).not.toThrow();
    // @ts-expect-error: the payload lacks userId
    userEvent('user.deleted', {});
    eventHandlers(userEvents, {
      // @ts-expect-error: no such event type
      'user.renamed': async () => {},
    });
    eventHandlers(userEvents, {
      async 'user.password_changed'({ data }) {
        // @ts-expect-error: not in the payload
        void data.email;
        const sessionId: string = data.sessionId; // typed by the schema
        void sessionId;
      },
    });
  });

  it('hand a handler the payload its schema parses, and refuse one that does not fit as malformed', async () => {
    const seen: string[] = [];
    const handlers = eventHandlers(userEvents, {
      async 'user.password_changed'({ data }) {
        seen.push(data.sessionId);
      },
    });
    expect(handlers.types).toEqual(['user.password_changed']);
    const event = (data: Record<string, unknown>) => createEvent({ source: 'test', type: 'user.password_changed', subject: 'u1', data });
    await handlers.handle(event({ userId: 'u1', sessionId: 's1' }));
    expect(seen).toEqual(['s1']);
    const malformed = event({ userId: 'u1', sessionId: 42 });
    await expect(handlers.handle(malformed)).rejects.toThrow(MalformedEventError);
    await expect(handlers.handle(malformed)).rejects.toThrow(/sessionId/);
    expect(seen).toEqual(['s1']);
  });

  it('declare each event type once, in the module that publishes it', () => {
    const declared = [userEvents, authEvents, sessionEvents, adminEvents, mfaEvents].flatMap((events) => Object.keys(events));
    expect(new Set(declared).size).toBe(declared.length);
    expect(Object.keys(eventCatalogue).sort()).toEqual(declared.sort());
  });
});
