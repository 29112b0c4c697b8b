import { describe, expect, it } from 'vitest';
import { createMemorySigningKeyRepository } from '../../adapters/memory/signing-key-repository.ts';
import {
  createEncryptedSigningKeyRepository,
  SigningKeyDecryptionError,
} from '../../adapters/webcrypto/encrypted-signing-key-repository.ts';
import { rotateSigningKey } from '../../modules/auth/mod.ts';

const newKey = () => crypto.getRandomValues(new Uint8Array(32));

describe('signing keys encrypted at rest', () => {
  it('stores no private key material in the clear, each key under its own IV, and reads the keys back intact', async () => {
    const stored = createMemorySigningKeyRepository();
    const keys = createEncryptedSigningKeyRepository({ keys: stored, encryptionKey: newKey() });
    const [next, first] = await rotateSigningKey(keys, new Date()).then(() => rotateSigningKey(keys, new Date()));
    const raw = await stored.list();
    for (const row of raw) {
      expect(Object.keys(row.privateJwk).sort()).toEqual(['ciphertext', 'enc', 'iv']);
      expect(JSON.stringify(row)).not.toContain(String((await keys.list()).find((k) => k.kid === row.kid)!.privateJwk.d));
    }
    expect(raw[0]!.privateJwk.iv).not.toBe(raw[1]!.privateJwk.iv);
    expect((await keys.list()).map((k) => k.privateJwk.d)).toEqual([next!.privateJwk.d, first!.privateJwk.d]);
    expect(typeof next!.privateJwk.d).toBe('string');
  });

  it('refuses to read with a wrong key, naming SIGNING_KEY_ENCRYPTION_KEY, instead of handing out garbage', async () => {
    const stored = createMemorySigningKeyRepository();
    await rotateSigningKey(createEncryptedSigningKeyRepository({ keys: stored, encryptionKey: newKey() }), new Date());
    const wrong = createEncryptedSigningKeyRepository({ keys: stored, encryptionKey: newKey() });
    await expect(wrong.list()).rejects.toThrow(SigningKeyDecryptionError);
    await expect(wrong.list()).rejects.toThrow(/SIGNING_KEY_ENCRYPTION_KEY does not decrypt signing key/);
    const unset = createEncryptedSigningKeyRepository({ keys: stored });
    await expect(unset.list()).rejects.toThrow(/stored encrypted, but SIGNING_KEY_ENCRYPTION_KEY is not set/);
  });

  it('does not decrypt a sealed private key moved onto another kid (the kid is authenticated)', async () => {
    const stored = createMemorySigningKeyRepository();
    const encryptionKey = newKey();
    await rotateSigningKey(createEncryptedSigningKeyRepository({ keys: stored, encryptionKey }), new Date());
    const [sealedFirst] = await stored.list();
    const moved = createMemorySigningKeyRepository();
    await moved.ensure({ ...sealedFirst!, kid: 'another-kid' });
    await expect(createEncryptedSigningKeyRepository({ keys: moved, encryptionKey }).list()).rejects.toThrow(SigningKeyDecryptionError);
  });

  it('still reads a key stored plain before the encryption key was set, reports it once, and encrypts the keys it writes', async () => {
    const stored = createMemorySigningKeyRepository();
    const [plain] = await rotateSigningKey(stored, new Date());
    const reported: string[] = [];
    const keys = createEncryptedSigningKeyRepository({ keys: stored, encryptionKey: newKey(), onPlainKey: (kid) => reported.push(kid) });
    expect(await keys.list()).toEqual([plain]);
    const [next] = await rotateSigningKey(keys, new Date());
    await keys.list();
    expect(reported).toEqual([plain!.kid]);
    expect((await stored.list()).find((k) => k.kid === next!.kid)!.privateJwk).not.toHaveProperty('d');
  });
});
