import { describe, expect, it } from 'vitest';
import { createArgon2PasswordHasher } from '../../adapters/argon2/password-hasher.ts';
import { createMemoryPasswordHasher } from '../../adapters/memory/password-hasher.ts';
import { describePasswordHasherContract } from './password-hasher.contract.ts';

describePasswordHasherContract('argon2', (admission) => createArgon2PasswordHasher({ admission }));

describePasswordHasherContract('memory (scrypt at a test cost)', (admission) => createMemoryPasswordHasher({ admission }));

describe('argon2 password hasher', () => {
  it("hashes with argon2id at OWASP's baseline: 19 MiB of memory, 2 iterations, 1 lane", async () => {
    expect(await createArgon2PasswordHasher().hash('a sturdy passphrase')).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});
