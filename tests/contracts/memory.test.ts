import { createMemoryPasswordAttemptStore } from '../../adapters/memory/password-attempt-store.ts';
import { createMemoryAuditRepository } from '../../adapters/memory/audit-repository.ts';
import { createMemoryOutbox } from '../../adapters/memory/outbox.ts';
import { createMemorySessionRepository } from '../../adapters/memory/session-repository.ts';
import { createMemorySigningKeyRepository } from '../../adapters/memory/signing-key-repository.ts';
import { createMemoryUserRepository } from '../../adapters/memory/user-repository.ts';
import { createMemoryRateLimiter } from '../../adapters/ratelimit/rate-limiter.ts';
import { createEncryptedSigningKeyRepository } from '../../adapters/webcrypto/encrypted-signing-key-repository.ts';
import { describeAuditRepositoryContract } from './audit-repository.contract.ts';
import { describeOutboxContract } from './outbox.contract.ts';
import { describePasswordAttemptStoreContract } from './password-attempt-store.contract.ts';
import { describeRateLimiterContract } from './rate-limiter.contract.ts';
import { describeSessionRepositoryContract } from './session-repository.contract.ts';
import { describeSigningKeyRepositoryContract } from './signing-key-repository.contract.ts';
import { describeUserRepositoryContract } from './user-repository.contract.ts';

// Every test gets fresh in-memory adapters; repositories write to the outbox they are given.

describeUserRepositoryContract('memory', () => {
  const outbox = createMemoryOutbox();
  return { repo: createMemoryUserRepository({ outbox }), outbox };
});

describeSessionRepositoryContract('memory', () => {
  const outbox = createMemoryOutbox();
  return { repo: createMemorySessionRepository({ outbox }), outbox };
});

describeAuditRepositoryContract('memory', () => ({ repo: createMemoryAuditRepository(), outbox: createMemoryOutbox() }));

describeSigningKeyRepositoryContract('memory', () => ({
  repo: createMemorySigningKeyRepository(),
  outbox: createMemoryOutbox(),
}));

// The encrypting decorator must be invisible to the signer: the same contract, over memory.
describeSigningKeyRepositoryContract('memory, encrypted at rest', () => ({
  repo: createEncryptedSigningKeyRepository({ keys: createMemorySigningKeyRepository(), encryptionKey: crypto.getRandomValues(new Uint8Array(32)) }),
  outbox: createMemoryOutbox(),
}));

describeOutboxContract('memory', () => {
  const outbox = createMemoryOutbox();
  return { repo: outbox, outbox };
});

let limiters = 0;
describeRateLimiterContract('memory', (options) => createMemoryRateLimiter({ name: `contract-${++limiters}`, ...options }));

describePasswordAttemptStoreContract('memory', (policy) => createMemoryPasswordAttemptStore({ policy }));
