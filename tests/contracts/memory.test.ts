import { createMemoryAccountTokenRepository } from '../../adapters/memory/account-token-repository.ts';
import { createMemoryPasswordAttemptStore } from '../../adapters/memory/password-attempt-store.ts';
import { createMemoryAuditRepository } from '../../adapters/memory/audit-repository.ts';
import { createMemoryOutbox } from '../../adapters/memory/outbox.ts';
import { createMemorySessionRepository } from '../../adapters/memory/session-repository.ts';
import { createMemorySigningKeyRepository } from '../../adapters/memory/signing-key-repository.ts';
import { createMemoryUserRepository } from '../../adapters/memory/user-repository.ts';
import { createMemoryRateLimiter } from '../../adapters/ratelimit/rate-limiter.ts';
import { createEncryptedSigningKeyRepository } from '../../adapters/webcrypto/encrypted-signing-key-repository.ts';
import { describeAccountTokenRepositoryContract } from './account-token-repository.contract.ts';
import { describeAuditRepositoryContract } from './audit-repository.contract.ts';
import { describeOutboxContract } from './outbox.contract.ts';
import { describePasswordAttemptStoreContract } from './password-attempt-store.contract.ts';
import { describeRateLimiterContract } from './rate-limiter.contract.ts';
import { describeSessionRepositoryContract } from './session-repository.contract.ts';
import { describeSigningKeyRepositoryContract } from './signing-key-repository.contract.ts';
import { describeUserRepositoryContract } from './user-repository.contract.ts';

// Every test gets fresh in-memory adapters; repositories write to the outbox they are given.
// Their store-down cases are not run: the data lives in this process, with nothing to lose.
const inProcess = { noStore: 'in-memory: the data lives in this process, there is no store to lose' };

describeUserRepositoryContract(
  'memory',
  () => {
    const outbox = createMemoryOutbox();
    return { repo: createMemoryUserRepository({ outbox }), outbox };
  },
  inProcess,
);

describeAccountTokenRepositoryContract(
  'memory',
  () => ({ repo: createMemoryAccountTokenRepository(), outbox: createMemoryOutbox() }),
  inProcess,
);

describeSessionRepositoryContract(
  'memory',
  () => {
    const outbox = createMemoryOutbox();
    return { repo: createMemorySessionRepository({ outbox }), outbox };
  },
  inProcess,
);

describeAuditRepositoryContract('memory', () => ({ repo: createMemoryAuditRepository(), outbox: createMemoryOutbox() }), inProcess);

describeSigningKeyRepositoryContract(
  'memory',
  () => ({
    repo: createMemorySigningKeyRepository(),
    outbox: createMemoryOutbox(),
  }),
  inProcess,
);

// The encrypting decorator must be invisible to the signer: the same contract, over memory.
describeSigningKeyRepositoryContract(
  'memory, encrypted at rest',
  () => ({
    repo: createEncryptedSigningKeyRepository({
      keys: createMemorySigningKeyRepository(),
      encryptionKey: crypto.getRandomValues(new Uint8Array(32)),
    }),
    outbox: createMemoryOutbox(),
  }),
  inProcess,
);

describeOutboxContract(
  'memory',
  () => {
    const outbox = createMemoryOutbox();
    return { repo: outbox, outbox };
  },
  inProcess,
);

let limiters = 0;
describeRateLimiterContract('memory', (options) => createMemoryRateLimiter({ name: `contract-${++limiters}`, ...options }), inProcess);

describePasswordAttemptStoreContract('memory', (policy) => createMemoryPasswordAttemptStore({ policy }), inProcess);
