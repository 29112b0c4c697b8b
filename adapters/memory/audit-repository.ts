import type { AuditEntry, AuditRepository } from '../../modules/audit/mod.ts';

export function createMemoryAuditRepository(): AuditRepository {
  const entries = new Map<string, AuditEntry>();
  return {
    async record(entry) {
      if (!entries.has(entry.id)) entries.set(entry.id, structuredClone(entry));
    },
    async listByUser(userId, limit) {
      return [...entries.values()]
        .filter((e) => e.userId === userId)
        .sort((a, b) => b.time.getTime() - a.time.getTime() || b.id.localeCompare(a.id))
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
