import type { MfaRepository, PasskeyRecord, SecondFactors } from '../../modules/mfa/mod.ts';
import type { MemoryOutbox } from './outbox.ts';

/** Each account's second factors in this process. */
export function createMemoryMfaRepository({ outbox }: { outbox: MemoryOutbox }): MfaRepository {
  const accounts = new Map<string, SecondFactors>();
  const ownerOfCredential = new Map<string, string>();

  const of = (userId: string): SecondFactors => {
    let factors = accounts.get(userId);
    if (!factors) {
      factors = { totp: null, passkeys: [], recoveryCodes: [] };
      accounts.set(userId, factors);
    }
    return factors;
  };
  const hasFactor = (f: SecondFactors) => Boolean(f.totp?.enabledAt) || f.passkeys.length > 0;
  const findById = (passkeyId: string): PasskeyRecord | undefined => {
    for (const f of accounts.values()) {
      const found = f.passkeys.find((p) => p.id === passkeyId);
      if (found) return found;
    }
    return undefined;
  };

  return {
    async get(userId) {
      const factors = structuredClone(accounts.get(userId) ?? { totp: null, passkeys: [], recoveryCodes: [] });
      factors.passkeys.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
      factors.recoveryCodes.sort((a, b) => (a.hash < b.hash ? -1 : 1));
      return factors;
    },
    async presence(userId) {
      const f = accounts.get(userId);
      return {
        totp: Boolean(f?.totp?.enabledAt),
        passkey: Boolean(f?.passkeys.length),
        unusedRecoveryCode: Boolean(f?.recoveryCodes.some((c) => c.usedAt === null)),
      };
    },
    async startTotp(enrolment) {
      const f = of(enrolment.userId);
      if (f.totp?.enabledAt) return false;
      f.totp = structuredClone(enrolment);
      return true;
    },
    async enableTotp({ userId, enrolmentId, at, recoveryCodeHashes }, events) {
      const f = of(userId);
      if (!f.totp || f.totp.id !== enrolmentId || f.totp.enabledAt) return false;
      f.totp.enabledAt = at;
      f.recoveryCodes = recoveryCodeHashes.map((hash) => ({ hash, usedAt: null }));
      outbox.write(events);
      return true;
    },
    async removeTotp(userId, events) {
      const f = of(userId);
      const wasEnabled = Boolean(f.totp?.enabledAt);
      f.totp = null;
      if (!hasFactor(f)) f.recoveryCodes = [];
      if (wasEnabled) outbox.write(events);
      return wasEnabled;
    },
    async replaceRecoveryCodes(userId, hashes, events) {
      const f = of(userId);
      if (!hasFactor(f)) return false;
      f.recoveryCodes = hashes.map((hash) => ({ hash, usedAt: null }));
      outbox.write(events);
      return true;
    },
    async useRecoveryCode(userId, hash, at) {
      const code = accounts.get(userId)?.recoveryCodes.find((c) => c.hash === hash && c.usedAt === null);
      if (!code) return false;
      code.usedAt = at;
      return true;
    },
    async addPasskey(passkey, events) {
      if (ownerOfCredential.has(passkey.credentialId)) return false;
      of(passkey.userId).passkeys.push(structuredClone(passkey));
      ownerOfCredential.set(passkey.credentialId, passkey.userId);
      outbox.write(events);
      return true;
    },
    async findPasskey(credentialId) {
      const owner = ownerOfCredential.get(credentialId);
      const found = owner && accounts.get(owner)?.passkeys.find((p) => p.credentialId === credentialId);
      return found ? structuredClone(found) : null;
    },
    async recordPasskeyUse(passkeyId, counter, at) {
      const passkey = findById(passkeyId);
      if (!passkey || !(passkey.counter < counter || (passkey.counter === 0 && counter === 0))) return false;
      passkey.counter = counter;
      passkey.lastUsedAt = at;
      return true;
    },
    async removePasskey(userId, passkeyId, events) {
      const f = accounts.get(userId);
      const index = f?.passkeys.findIndex((p) => p.id === passkeyId) ?? -1;
      if (!f || index < 0) return false;
      const [removed] = f.passkeys.splice(index, 1);
      ownerOfCredential.delete(removed!.credentialId);
      if (!hasFactor(f)) f.recoveryCodes = [];
      outbox.write(events);
      return true;
    },
    async removeAll(userId) {
      for (const p of accounts.get(userId)?.passkeys ?? []) ownerOfCredential.delete(p.credentialId);
      accounts.delete(userId);
    },
  };
}
