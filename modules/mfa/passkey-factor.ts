import { z } from 'zod';
import { parseInput, UnauthenticatedError, type Clock } from '../kernel/mod.ts';
import type { UserApi } from '../user/mod.ts';
import {
  addPasskeyInputSchema,
  authenticationOptionsInputSchema,
  removePasskeyInputSchema,
  toPasskeyView,
  verifyAssertionInputSchema,
  type ChallengeRecord,
  type PasskeyRecord,
} from './domain.ts';
import { InvalidCredentialError, NoSecondFactorError, PasskeyNotFoundError } from './errors.ts';
import { mfaEvent } from './events.ts';
import type { MfaApi, MfaRepository, WebAuthnChallengeStore } from './ports.ts';
import {
  authenticationOptions,
  ceremonyTimeoutMs,
  claimedChallenge,
  registrationOptions,
  userHandleOf,
  verifyAssertionOf,
  verifyRegistration,
  webAuthnLibrary,
  type RelyingParty,
} from './webauthn.ts';

export interface PasskeyFactorDeps {
  userApi: UserApi;
  factors: MfaRepository;
  challenges: WebAuthnChallengeStore;
  relyingParty: RelyingParty;
  clock: Clock;
}

const userIdSchema = z.string().min(1);

type PasskeyMethods = 'passkeyRegistrationOptions' | 'addPasskey' | 'removePasskey' | 'authenticationOptions' | 'verifyAssertion';

/** Passkeys (WebAuthn): registration, removal, and assertions for a second step or a passwordless login. */
export function createPasskeyFactor({
  userApi,
  factors,
  challenges,
  relyingParty: rp,
  clock,
}: PasskeyFactorDeps): Pick<MfaApi, PasskeyMethods> {
  webAuthnLibrary.want();
  async function issueChallenge(challenge: string, purpose: ChallengeRecord['purpose'], userId: string | null) {
    await challenges.put({ challenge, purpose, userId, expiresAt: new Date(clock.now().getTime() + ceremonyTimeoutMs) });
  }

  /**
   * Spends the challenge the credential answers. It must have been made for this ceremony and
   * account: a registration challenge cannot log in, one account's cannot serve another's.
   */
  async function takeChallenge(
    credential: { response: { clientDataJSON: string } },
    purpose: ChallengeRecord['purpose'],
    userId: string | null,
  ) {
    const record = await challenges.take(await claimedChallenge(credential), clock.now());
    if (!record || record.purpose !== purpose || record.userId !== userId) throw new InvalidCredentialError();
    return record.challenge;
  }

  return {
    async passkeyRegistrationOptions(input) {
      const userId = parseInput(userIdSchema, input);
      const user = await userApi.getById(userId);
      if (!user) throw new UnauthenticatedError(); // deleted while its access token lives on
      const { passkeys } = await factors.get(userId);
      const options = await registrationOptions(
        rp,
        { id: userId, name: user.email, displayName: user.displayName ?? user.email },
        passkeys,
      );
      await issueChallenge(options.challenge, 'registration', userId);
      return options;
    },

    async addPasskey(input) {
      const { userId, credential, name, meta } = parseInput(addPasskeyInputSchema, input);
      const challenge = await takeChallenge(credential, 'registration', userId);
      const verified = await verifyRegistration(rp, credential, challenge);
      const { passkeys } = await factors.get(userId);
      const at = clock.now();
      const passkey: PasskeyRecord = {
        id: crypto.randomUUID(),
        userId,
        ...verified,
        name: name ?? `Passkey ${passkeys.length + 1}`,
        createdAt: at,
        lastUsedAt: null,
      };
      // Registered already, here or to another account: one authenticator credential, one owner.
      const added = await factors.addPasskey(passkey, [mfaEvent('user.passkey_added', { userId, passkeyId: passkey.id, ...meta }, at)]);
      if (!added) throw new InvalidCredentialError();
      return toPasskeyView(passkey);
    },

    async removePasskey(input) {
      const { userId, passkeyId, meta } = parseInput(removePasskeyInputSchema, input);
      const event = mfaEvent('user.passkey_removed', { userId, passkeyId, ...meta }, clock.now());
      if (!(await factors.removePasskey(userId, passkeyId, [event]))) throw new PasskeyNotFoundError();
    },

    async authenticationOptions(input) {
      const { userId } = parseInput(authenticationOptionsInputSchema, input);
      let passkeys: PasskeyRecord[] | null = null;
      if (userId !== undefined) {
        passkeys = (await factors.get(userId)).passkeys;
        if (passkeys.length === 0) throw new NoSecondFactorError();
      }
      const options = await authenticationOptions(rp, passkeys);
      await issueChallenge(options.challenge, 'authentication', userId ?? null);
      return options;
    },

    async verifyAssertion(input) {
      const { userId, credential } = parseInput(verifyAssertionInputSchema, input);
      const challenge = await takeChallenge(credential, 'authentication', userId ?? null);
      const passkey = await factors.findPasskey(credential.id);
      if (!passkey || (userId !== undefined && passkey.userId !== userId)) throw new InvalidCredentialError();
      // A discoverable passkey names its account too: it must name the same one.
      const handle = credential.response.userHandle;
      if (handle !== undefined && handle !== (await userHandleOf(passkey.userId))) throw new InvalidCredentialError();
      // Alone, a passkey must have verified the user (PIN, biometrics) to stand for both factors.
      const { counter, userVerified } = await verifyAssertionOf(rp, credential, passkey, challenge, userId === undefined);
      if (!(await factors.recordPasskeyUse(passkey.id, counter, clock.now()))) throw new InvalidCredentialError();
      return { userId: passkey.userId, passkeyId: passkey.id, userVerified };
    },
  };
}
