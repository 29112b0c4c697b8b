import { canonicalEmail, EmailTakenError, type UserRecord, type UserRepository } from '../../modules/user/mod.ts';
import type { MemoryOutbox } from './outbox.ts';

export function createMemoryUserRepository({ outbox }: { outbox: MemoryOutbox }): UserRepository {
  const byId = new Map<string, UserRecord>();
  const idByEmail = new Map<string, string>();
  const emailKey = canonicalEmail;

  return {
    async create(user, events) {
      if (idByEmail.has(emailKey(user.email))) throw new EmailTakenError();
      byId.set(user.id, structuredClone(user));
      idByEmail.set(emailKey(user.email), user.id);
      outbox.write(events);
    },
    async findById(id) {
      const user = byId.get(id);
      return user ? structuredClone(user) : null;
    },
    async findByEmail(email) {
      const id = idByEmail.get(emailKey(email));
      return id ? structuredClone(byId.get(id)!) : null;
    },
    async update(id, changes, events) {
      const user = byId.get(id);
      if (!user) return null;
      if (changes.email !== undefined && emailKey(changes.email) !== emailKey(user.email)) {
        if (idByEmail.has(emailKey(changes.email))) throw new EmailTakenError();
        idByEmail.delete(emailKey(user.email));
        idByEmail.set(emailKey(changes.email), id);
      }
      Object.assign(user, changes);
      outbox.write(events);
      return structuredClone(user);
    },
    async delete(id, events) {
      const user = byId.get(id);
      if (!user) return false;
      byId.delete(id);
      idByEmail.delete(emailKey(user.email));
      outbox.write(events);
      return true;
    },
  };
}
