import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/*
 * A software WebAuthn authenticator for tests: one P-256 (ES256) credential, attestation "none",
 * assertions signed as a real authenticator signs them (WebAuthn L3 §6.1, §6.3.3). No package
 * for this is a field standard; the CBOR comes from @simplewebauthn/server's own helpers.
 */

const b64url = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

const flags = { userPresent: 0x01, userVerified: 0x04, backupEligible: 0x08, backedUp: 0x10, attested: 0x40 };

export interface SoftAuthenticatorOptions {
  /** The origin the "browser" reports in clientDataJSON. */
  origin: string;
  /** The RP id whose hash goes in authenticatorData (default: the origin's host). */
  rpId?: string;
  /** Whether it reports user verification (PIN, biometrics). Default true. */
  userVerification?: boolean;
  /** The signature counter's first value; 0 keeps it at 0 (as many platform authenticators do). Default 1. */
  counter?: number;
}

export interface CreationOptionsLike {
  challenge: string;
  user: { id: string };
}

export function createSoftAuthenticator({
  origin,
  rpId = new URL(origin).hostname,
  userVerification = true,
  counter = 1,
}: SoftAuthenticatorOptions) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const credentialId = randomBytes(32);
  let signCount = counter;
  let userHandle: string | undefined;

  const coseKey = (key: KeyObject) => {
    const jwk = key.export({ format: 'jwk' });
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
  };

  function authenticatorData(extraFlags: number, attested?: Uint8Array) {
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(signCount);
    const f = flags.userPresent | (userVerification ? flags.userVerified : 0) | extraFlags;
    return Buffer.concat([sha256(rpId), Buffer.from([f]), counterBytes, ...(attested ? [attested] : [])]);
  }

  const clientData = (type: string, challenge: string, at = origin) =>
    Buffer.from(JSON.stringify({ type, challenge, origin: at, crossOrigin: false }));

  return {
    credentialId: b64url(credentialId),

    /** What navigator.credentials.create() answers for `options`, in its JSON form. */
    register(options: CreationOptionsLike, { origin: at = origin }: { origin?: string } = {}) {
      userHandle = options.user.id;
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(credentialId.length);
      const attested = Buffer.concat([Buffer.alloc(16), idLength, credentialId, coseKey(publicKey)]); // AAGUID of zeros
      const authData = authenticatorData(flags.attested, attested);
      const attestationObject = isoCBOR.encode(
        new Map<string, string | Uint8Array | Map<string, never>>([
          ['fmt', 'none'],
          ['attStmt', new Map<string, never>()],
          ['authData', authData],
        ]),
      );
      return {
        id: b64url(credentialId),
        rawId: b64url(credentialId),
        type: 'public-key' as const,
        response: {
          clientDataJSON: b64url(clientData('webauthn.create', options.challenge, at)),
          attestationObject: b64url(attestationObject),
          transports: ['internal'],
        },
        clientExtensionResults: {},
      };
    },

    /**
     * What navigator.credentials.get() answers for a challenge, signed with the credential's key.
     * Each assertion counts up first (unless the counter is kept at 0); `counter` forces a value.
     */
    assert(challenge: string, { origin: at = origin, counter: forced }: { origin?: string; counter?: number } = {}) {
      if (forced !== undefined) signCount = forced;
      else if (signCount > 0) signCount++;
      const authData = authenticatorData(0);
      const clientDataJSON = clientData('webauthn.get', challenge, at);
      const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), privateKey); // DER, as WebAuthn wants
      return {
        id: b64url(credentialId),
        rawId: b64url(credentialId),
        type: 'public-key' as const,
        response: {
          clientDataJSON: b64url(clientDataJSON),
          authenticatorData: b64url(authData),
          signature: b64url(signature),
          ...(userHandle ? { userHandle } : {}),
        },
        clientExtensionResults: {},
      };
    },
  };
}

export type SoftAuthenticator = ReturnType<typeof createSoftAuthenticator>;

/** The same assertion with one bit of its signature flipped. */
export function tampered<A extends { response: { signature: string } }>(assertion: A): A {
  const signature = Buffer.from(assertion.response.signature, 'base64url');
  signature[signature.length - 1]! ^= 0x01;
  return { ...assertion, response: { ...assertion.response, signature: signature.toString('base64url') } };
}
