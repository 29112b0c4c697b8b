import { base64url } from 'jose';

/** A value sealed with AES-256-GCM: its random 96-bit IV and the ciphertext with its tag, base64url. */
export interface Sealed {
  iv: string;
  ciphertext: string;
}

/** A sealed value as one string, where a store keeps text: `A256GCM.<iv>.<ciphertext>` (base64url holds no dot). */
const textPrefix = 'A256GCM.';
export const sealedText = ({ iv, ciphertext }: Sealed) => `${textPrefix}${iv}.${ciphertext}`;
/** Whether `text` is a sealed value (sealedText's form) rather than a plain one. */
export const isSealedText = (text: string) => text.startsWith(textPrefix);
export function parseSealedText(text: string): Sealed {
  const [iv = '', ciphertext = ''] = text.slice(textPrefix.length).split('.');
  return { iv, ciphertext };
}

/** A key that cannot open a sealed value: not the key that sealed it, or the value (or its context) was altered. */
export class DecryptionFailedError extends Error {
  constructor() {
    super('AES-GCM decryption failed');
    this.name = 'DecryptionFailedError';
  }
}

/**
 * Seals and opens secrets at rest with one 32-byte key (SIGNING_KEY_ENCRYPTION_KEY): each value
 * gets its own random IV, and `context` (what the value belongs to: a kid, a user id) is
 * authenticated with it, so a sealed value moved onto another row does not open. WebCrypto runs
 * unchanged on Node and Deno.
 */
export function createAesGcm(key: Uint8Array) {
  const aes = crypto.subtle.importKey('raw', new Uint8Array(key), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const additionalData = (context: string) => new TextEncoder().encode(context);
  return {
    async seal(plain: string, context: string): Promise<Sealed> {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ciphertext = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: additionalData(context) },
        await aes,
        new TextEncoder().encode(plain),
      );
      return { iv: base64url.encode(iv), ciphertext: base64url.encode(new Uint8Array(ciphertext)) };
    },
    /** The plain text; DecryptionFailedError when this key and context do not open it. */
    async open(sealed: Sealed, context: string): Promise<string> {
      try {
        const plain = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: new Uint8Array(base64url.decode(sealed.iv)), additionalData: additionalData(context) },
          await aes,
          new Uint8Array(base64url.decode(sealed.ciphertext)),
        );
        return new TextDecoder().decode(plain);
      } catch {
        throw new DecryptionFailedError();
      }
    },
  };
}

export type AesGcm = ReturnType<typeof createAesGcm>;
