import type { WebSessionRecord, WebSessionStore } from '../../modules/web/mod.ts';
import { createAesGcm, DecryptionFailedError, isSealedText, parseSealedText, sealedText } from './aes-gcm.ts';

/**
 * Seals the secrets of each browser session on their way into `store` and opens them on the way
 * out, with the key that seals the signing keys and TOTP secrets (SIGNING_KEY_ENCRYPTION_KEY,
 * aes-gcm.ts): the token pair, the pending sign-in's mfaToken and an enrolment's TOTP secret. Each
 * is sealed with its record's key and its field as the authenticated context, so a value copied
 * onto another record or field does not open. Unset key: stored plain. A record the key cannot
 * open (sealed with another key, or with one since unset) is no session: the browser signs in
 * again. One stored plain before the key was set is read as it is until its next write.
 */
export function createEncryptedWebSessionStore({
  store,
  encryptionKey,
}: {
  store: WebSessionStore;
  encryptionKey?: Uint8Array;
}): WebSessionStore {
  const aes = encryptionKey && createAesGcm(encryptionKey);
  type Transform = (value: string, context: string) => Promise<string>;
  const seal: Transform = async (value, context) => (aes ? sealedText(await aes.seal(value, context)) : value);
  const open: Transform = async (value, context) => {
    if (!isSealedText(value)) return value;
    if (!aes) throw new DecryptionFailedError();
    return aes.open(parseSealedText(value), context);
  };

  async function eachSecret(key: string, record: WebSessionRecord, transform: Transform): Promise<WebSessionRecord> {
    const field = (name: string, value: string) => transform(value, `web-session:${key}:${name}`);
    if (record.kind === 'second-factor') return { ...record, mfaToken: await field('mfaToken', record.mfaToken) };
    const { totpEnrolment } = record;
    return {
      ...record,
      accessToken: await field('accessToken', record.accessToken),
      refreshToken: await field('refreshToken', record.refreshToken),
      ...(totpEnrolment && {
        totpEnrolment: {
          secret: await field('totpSecret', totpEnrolment.secret),
          // The otpauth URL carries the secret too.
          otpauthUrl: await field('otpauthUrl', totpEnrolment.otpauthUrl),
        },
      }),
    };
  }

  return {
    async get(key) {
      const record = await store.get(key);
      if (!record) return null;
      try {
        return await eachSecret(key, record, open);
      } catch (error) {
        if (error instanceof DecryptionFailedError) return null;
        throw error;
      }
    },
    set: async (key, record, ttlSeconds) => store.set(key, await eachSecret(key, record, seal), ttlSeconds),
    delete: (key) => store.delete(key),
    claimRefresh: (key, ttlMs) => store.claimRefresh(key, ttlMs),
    releaseRefresh: (key) => store.releaseRefresh(key),
  };
}
