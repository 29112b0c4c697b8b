import type { AuditEntry, AuditRepository } from '../../modules/audit/mod.ts';

export function createMemoryAuditRepository(): AuditRepository {
  const entries = new Map<string, AuditEntry>();
  return {
    async record(entry) {
      if (!entries.has(entry.id)) entries.set(entry.id, structuredClone(entry));
    },
    async listByUser(userId, limit) {
      return this.search({ userId, limit });
    },
    async search({ userId, type, limit }) {
      return [...entries.values()]
        .filter((e) => (userId === undefined || e.userId === userId) && (type === undefined || e.type === type))
        .sort((a, b) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .slice(0, limit)
        .map((e) => structuredClone(e));
    },
    async deleteByUser(userId) {
      let deleted = 0;
      for (const [id, e] of entries)
        if (e.userId === userId) {
          entries.delete(id);
          deleted++;
        }
      return deleted;
    },
  };
}
