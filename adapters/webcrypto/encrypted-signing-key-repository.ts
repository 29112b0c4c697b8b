import type { SigningKeyRecord, SigningKeyRepository } from '../../modules/auth/mod.ts';
import { createAesGcm, type Sealed } from './aes-gcm.ts';

/** How an encrypted private JWK is stored: AES-256-GCM over its JSON, with the kid as additional data. */
interface SealedJwk extends Sealed {
  enc: 'A256GCM';
}

const isSealed = (jwk: Record<string, unknown>): jwk is Record<string, unknown> & SealedJwk => jwk.enc === 'A256GCM' && !('d' in jwk);

/** A stored private key that cannot be read with the key this process has (or lacks). */
export class SigningKeyDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyDecryptionError';
  }
}

export interface EncryptedSigningKeyRepositoryDeps {
  keys: SigningKeyRepository;
  /** 32 bytes (SIGNING_KEY_ENCRYPTION_KEY); unset: keys are written plain, and encrypted ones cannot be read. */
  encryptionKey?: Uint8Array;
  /** Called once per kid for a key stored plain although an encryption key is set (stored before it was). */
  onPlainKey?: (kid: string) => void;
}

/**
 * Encrypts the private half of each signing key on its way into `keys` and decrypts it on the way
 * out, so the auth module never sees ciphertext and every adapter stores it the same way (see
 * aes-gcm.ts: the kid is the authenticated context, so a sealed key moved onto another row does not
 * decrypt).
 */
export function createEncryptedSigningKeyRepository({
  keys,
  encryptionKey,
  onPlainKey,
}: EncryptedSigningKeyRepositoryDeps): SigningKeyRepository {
  const aes = encryptionKey && createAesGcm(encryptionKey);
  const reported = new Set<string>();

  async function seal(record: SigningKeyRecord): Promise<SigningKeyRecord> {
    if (!aes) return record;
    const sealed: SealedJwk = { enc: 'A256GCM', ...(await aes.seal(JSON.stringify(record.privateJwk), record.kid)) };
    return { ...record, privateJwk: { ...sealed } };
  }

  async function open(record: SigningKeyRecord): Promise<SigningKeyRecord> {
    const stored = record.privateJwk;
    if (!isSealed(stored)) {
      if (aes && !reported.has(record.kid)) {
        reported.add(record.kid);
        onPlainKey?.(record.kid);
      }
      return record;
    }
    if (!aes) {
      throw new SigningKeyDecryptionError(
        `Signing key ${record.kid} is stored encrypted, but SIGNING_KEY_ENCRYPTION_KEY is not set: set it to the key that encrypted it.`,
      );
    }
    try {
      return { ...record, privateJwk: JSON.parse(await aes.open(stored, record.kid)) as Record<string, unknown> };
    } catch {
      throw new SigningKeyDecryptionError(
        `SIGNING_KEY_ENCRYPTION_KEY does not decrypt signing key ${record.kid}: it is not the key that encrypted it, or the stored key was altered.`,
      );
    }
  }

  return {
    ensure: async (candidate) => open(await keys.ensure(await seal(candidate))),
    list: async () => Promise.all((await keys.list()).map(open)),
    rotate: async (currentKid, candidate) => open(await keys.rotate(currentKid, await seal(candidate))),
    remove: (kids) => keys.remove(kids),
  };
}
