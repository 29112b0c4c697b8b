import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { PasswordHasher } from '../../modules/user/mod.ts';
import { withAdmission, type HashingAdmission } from '../hashing/admission.ts';

/** scrypt at a toy cost: N = 2^4, 16 KiB of memory, microseconds a hash. */
const testCost = { ln: 4, r: 8, p: 1 };
const keyBytes = 32;
const saltBytes = 16;
/** PHC string as passlib writes scrypt: `$scrypt$ln=…,r=…,p=…$<salt>$<key>`, base64 unpadded. */
const phc = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

const unpadded = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

function derive(password: string, salt: Buffer, { ln, r, p }: typeof testCost): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keyBytes, { N: 2 ** ln, r, p }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/**
 * A real salted password hash, cheap enough for module tests: scrypt at a toy cost, so a test
 * that registers and logs in pays microseconds where argon2id pays tens of milliseconds. A wrong
 * password, another salt or a malformed hash is refused as by argon2. Far too cheap for real
 * passwords: no config selects it, and only tests may import it (tests/architecture checks).
 */
export function createMemoryPasswordHasher({ admission }: { admission?: HashingAdmission } = {}): PasswordHasher {
  const hasher: PasswordHasher = {
    async hash(password) {
      const salt = randomBytes(saltBytes);
      const key = await derive(password, salt, testCost);
      return `$scrypt$ln=${testCost.ln},r=${testCost.r},p=${testCost.p}$${unpadded(salt)}$${unpadded(key)}`;
    },
    async verify(stored, password) {
      const parts = phc.exec(stored);
      if (!parts) return false;
      const cost = { ln: Number(parts[1]), r: Number(parts[2]), p: Number(parts[3]) };
      try {
        const key = await derive(password, Buffer.from(parts[4]!, 'base64'), cost);
        return timingSafeEqual(key, Buffer.from(parts[5]!, 'base64'));
      } catch {
        return false; // parameters scrypt refuses
      }
    },
  };
  return admission ? withAdmission(hasher, admission) : hasher;
}
