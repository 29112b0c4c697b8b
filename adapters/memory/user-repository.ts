import { canonicalEmail, EmailTakenError, foldAscii, type UserRecord, type UserRepository } from '../../modules/user/mod.ts';
import type { MemoryOutbox } from './outbox.ts';

/** Newest first by createdAt, then id compared as UTF-16 code units (byte order for the ASCII ids used). */
const newestFirst = (a: Pick<UserRecord, 'createdAt' | 'id'>, b: Pick<UserRecord, 'createdAt' | 'id'>) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

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
    async recordLogin(id, at) {
      const user = byId.get(id);
      if (!user) return null;
      user.lastLoginAt = at;
      return structuredClone(user);
    },
    async setRole(id, { role, granted, at }, events) {
      const user = byId.get(id);
      if (!user) return null;
      const roles = granted ? [...new Set([...user.roles, role])] : user.roles.filter((r) => r !== role);
      const changed = roles.length !== user.roles.length;
      if (changed) {
        Object.assign(user, { roles, updatedAt: at });
        outbox.write(events(structuredClone(user)));
      }
      return { user: structuredClone(user), changed };
    },
    async search({ query, after, limit }) {
      const matches = (u: UserRecord) => canonicalEmail(u.email).includes(query) || foldAscii(u.displayName ?? '').includes(query);
      return [...byId.values()]
        .filter((u) => matches(u) && (!after || newestFirst(after, u) < 0))
        .sort(newestFirst)
        .slice(0, limit)
        .map((u) => structuredClone(u));
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
