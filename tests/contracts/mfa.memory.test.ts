import { createMemoryMfaRepository } from '../../adapters/memory/mfa-repository.ts';
import { createMemoryOutbox } from '../../adapters/memory/outbox.ts';
import { createMemoryTotpReplayGuard } from '../../adapters/memory/totp-replay-guard.ts';
import { createMemoryWebAuthnChallengeStore } from '../../adapters/memory/webauthn-challenge-store.ts';
import { createEncryptedMfaRepository } from '../../adapters/webcrypto/encrypted-mfa-repository.ts';
import { describeMfaRepositoryContract } from './mfa-repository.contract.ts';
import { describeTotpReplayGuardContract } from './totp-replay-guard.contract.ts';
import { describeWebAuthnChallengeStoreContract } from './webauthn-challenge-store.contract.ts';

// The mfa module's stores in this process. Guards and challenge stores share one instance per
// suite where the contract asks two of them to agree (as two processes would share a store).
const inProcess = { noStore: 'in-memory: the data lives in this process, there is no store to lose' };

describeMfaRepositoryContract(
  'memory',
  () => {
    const outbox = createMemoryOutbox();
    return { repo: createMemoryMfaRepository({ outbox }), outbox };
  },
  inProcess,
);

// The sealing decorator must be invisible to the module: the same contract, over memory.
describeMfaRepositoryContract(
  'memory, TOTP secrets encrypted at rest',
  () => {
    const outbox = createMemoryOutbox();
    const factors = createMemoryMfaRepository({ outbox });
    return { repo: createEncryptedMfaRepository({ factors, encryptionKey: crypto.getRandomValues(new Uint8Array(32)) }), outbox };
  },
  inProcess,
);

const guard = createMemoryTotpReplayGuard();
describeTotpReplayGuardContract('memory', () => guard, inProcess);

const challenges = createMemoryWebAuthnChallengeStore();
describeWebAuthnChallengeStoreContract('memory', () => challenges, inProcess);
