import type { MfaRepository, TotpRecord } from '../../modules/mfa/mod.ts';
import { createAesGcm, isSealedText, parseSealedText, sealedText } from './aes-gcm.ts';

/** A stored TOTP secret that cannot be read with the key this process has (or lacks). */
export class TotpSecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TotpSecretDecryptionError';
  }
}

/**
 * Seals each TOTP secret on its way into `factors` and opens it on the way out, with the key that
 * seals the signing keys (SIGNING_KEY_ENCRYPTION_KEY, aes-gcm.ts); the account id is the
 * authenticated context, so a secret copied onto another account's row does not open. Unset key:
 * secrets are stored plain, and sealed ones cannot be read. A secret stored plain before the key
 * was set is read as it is (and sealed at its next enrolment).
 */
export function createEncryptedMfaRepository({
  factors,
  encryptionKey,
}: {
  factors: MfaRepository;
  encryptionKey?: Uint8Array;
}): MfaRepository {
  const aes = encryptionKey && createAesGcm(encryptionKey);

  async function seal(totp: TotpRecord): Promise<TotpRecord> {
    if (!aes) return totp;
    // Stored as sealedText: a base32 secret never looks like one.
    return { ...totp, secret: sealedText(await aes.seal(totp.secret, totp.userId)) };
  }

  async function open(totp: TotpRecord): Promise<TotpRecord> {
    if (!isSealedText(totp.secret)) return totp;
    if (!aes) {
      throw new TotpSecretDecryptionError(
        'A TOTP secret is stored encrypted, but SIGNING_KEY_ENCRYPTION_KEY is not set: set it to the key that encrypted it.',
      );
    }
    try {
      return { ...totp, secret: await aes.open(parseSealedText(totp.secret), totp.userId) };
    } catch {
      throw new TotpSecretDecryptionError(
        'SIGNING_KEY_ENCRYPTION_KEY does not decrypt a stored TOTP secret: it is not the key that encrypted it, or the secret was altered.',
      );
    }
  }

  return {
    ...factors,
    async get(userId) {
      const stored = await factors.get(userId);
      return stored.totp ? { ...stored, totp: await open(stored.totp) } : stored;
    },
    startTotp: async (enrolment) => factors.startTotp(await seal(enrolment)),
  };
}
