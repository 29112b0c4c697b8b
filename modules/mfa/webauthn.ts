import type { AuthenticationResponseJSON, AuthenticatorTransport, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { AssertionCredential, CreationOptions, PasskeyRecord, RegistrationCredential, RequestOptions } from './domain.ts';
import { loadedAtFirstUse } from '../kernel/mod.ts';
import { InvalidCredentialError } from './errors.ts';

/** Who passkeys are registered with (WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS) and the name authenticators show. */
export interface RelyingParty {
  id: string;
  name: string;
  /** Exact origins the browser may report in clientDataJSON. */
  origins: string[];
}

/** How long a ceremony may take, and so how long its challenge lives. */
export const ceremonyTimeoutMs = 5 * 60_000;

const utf8 = new TextEncoder();

/**
 * The library, loaded at the first ceremony: with the certificate parsers it brings it is a
 * third of what a process loads, and most processes never see a passkey.
 */
export const webAuthnLibrary = loadedAtFirstUse(() =>
  Promise.all([import('@simplewebauthn/server'), import('@simplewebauthn/server/helpers')]),
);
const simpleWebAuthn = webAuthnLibrary.load;

/** The WebAuthn user handle of an account: its id (opaque, no personal data). */
export async function userHandleOf(userId: string): Promise<string> {
  const [, { isoBase64URL }] = await simpleWebAuthn();
  return isoBase64URL.fromBuffer(utf8.encode(userId));
}

/**
 * The challenge a credential claims to answer, read from its clientDataJSON, so the stored
 * challenge can be taken before verification; the verification then checks the signature over it.
 */
export async function claimedChallenge(credential: { response: { clientDataJSON: string } }): Promise<string> {
  const [, { isoBase64URL }] = await simpleWebAuthn();
  try {
    const clientData = JSON.parse(isoBase64URL.toUTF8String(credential.response.clientDataJSON)) as { challenge?: unknown };
    const { challenge } = clientData;
    // Ours are 32 bytes in base64url: anything else cannot be one, and is no key to look up.
    if (typeof challenge === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(challenge)) return challenge;
  } catch {
    // malformed: refused below like any other bad credential
  }
  throw new InvalidCredentialError();
}

const transportsOf = (passkey: Pick<PasskeyRecord, 'transports'>) => passkey.transports as AuthenticatorTransport[];

export async function registrationOptions(
  rp: RelyingParty,
  user: { id: string; name: string; displayName: string },
  existing: readonly PasskeyRecord[],
): Promise<CreationOptions> {
  const [{ generateRegistrationOptions }] = await simpleWebAuthn();
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: utf8.encode(user.id),
    userName: user.name,
    userDisplayName: user.displayName,
    timeout: ceremonyTimeoutMs,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: transportsOf(p) })),
    // Discoverable when the authenticator can (for passwordless login); plain security keys still
    // serve as a second factor.
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  }) as Promise<CreationOptions>;
}

/** The verified credential's key and what the authenticator says about it; InvalidCredentialError when it does not verify. */
export async function verifyRegistration(rp: RelyingParty, credential: RegistrationCredential, challenge: string) {
  const [{ verifyRegistrationResponse }, { isoBase64URL }] = await simpleWebAuthn();
  const verification = await verifyRegistrationResponse({
    response: credential as RegistrationResponseJSON,
    expectedChallenge: challenge,
    expectedOrigin: rp.origins,
    expectedRPID: rp.id,
    requireUserVerification: false,
  }).catch(() => null);
  if (!verification?.verified) throw new InvalidCredentialError();
  const { credential: key, credentialBackedUp } = verification.registrationInfo;
  return {
    credentialId: key.id,
    publicKey: isoBase64URL.fromBuffer(key.publicKey),
    counter: key.counter,
    transports: key.transports ?? [],
    backedUp: credentialBackedUp,
  };
}

export async function authenticationOptions(rp: RelyingParty, passkeys: readonly PasskeyRecord[] | null): Promise<RequestOptions> {
  const [{ generateAuthenticationOptions }] = await simpleWebAuthn();
  return generateAuthenticationOptions({
    rpID: rp.id,
    timeout: ceremonyTimeoutMs,
    // Null: a passwordless login, where the authenticator offers its discoverable passkeys and
    // must verify the user (the passkey is then both factors).
    allowCredentials: passkeys?.map((p) => ({ id: p.credentialId, transports: transportsOf(p) })),
    userVerification: passkeys ? 'preferred' : 'required',
  }) as Promise<RequestOptions>;
}

/**
 * Checks the assertion's signature with the passkey's key, its origin, RP id and challenge, and
 * that the counter grew (the library refuses one that did not). InvalidCredentialError otherwise.
 */
export async function verifyAssertionOf(
  rp: RelyingParty,
  credential: AssertionCredential,
  passkey: PasskeyRecord,
  challenge: string,
  requireUserVerification: boolean,
): Promise<{ counter: number; userVerified: boolean }> {
  const [{ verifyAuthenticationResponse }, { isoBase64URL }] = await simpleWebAuthn();
  const verification = await verifyAuthenticationResponse({
    response: credential as AuthenticationResponseJSON,
    expectedChallenge: challenge,
    expectedOrigin: rp.origins,
    expectedRPID: rp.id,
    credential: {
      id: passkey.credentialId,
      publicKey: isoBase64URL.toBuffer(passkey.publicKey),
      counter: passkey.counter,
      transports: transportsOf(passkey),
    },
    requireUserVerification,
  }).catch(() => null);
  if (!verification?.verified) throw new InvalidCredentialError();
  return { counter: verification.authenticationInfo.newCounter, userVerified: verification.authenticationInfo.userVerified };
}
