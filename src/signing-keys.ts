import type { SigningKeyRepository } from '../modules/auth/mod.ts';
import { createEncryptedSigningKeyRepository } from '../adapters/webcrypto/encrypted-signing-key-repository.ts';
import type { Config } from '../config/mod.ts';
import type { Logger } from './log.ts';

/**
 * The signing-key store as the auth module and `npm run keys` use it: private keys encrypted at
 * rest when SIGNING_KEY_ENCRYPTION_KEY is set, and a warning (once) when they are not.
 */
export function signingKeyStore(
  config: Pick<Config, 'database' | 'signingKeyEncryptionKey'>,
  keys: SigningKeyRepository,
  logger: Logger,
): SigningKeyRepository {
  const { signingKeyEncryptionKey: encryptionKey } = config;
  if (!encryptionKey && config.database.kind !== 'memory') {
    logger.warn('private signing keys are stored unencrypted; set SIGNING_KEY_ENCRYPTION_KEY (32 bytes, base64) to encrypt them at rest');
  }
  return createEncryptedSigningKeyRepository({
    keys,
    encryptionKey,
    // Left readable, not re-encrypted in place: the plain copy lives on in backups and old row
    // versions anyway, so the remedy is replacing the key, which a rotation does.
    onPlainKey: (kid) =>
      logger.warn(
        'a signing key stored before SIGNING_KEY_ENCRYPTION_KEY was set is unencrypted until rotated away (npm run keys -- rotate)',
        { kid },
      ),
  });
}
