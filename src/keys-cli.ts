/**
 * `npm run keys -- list | rotate`: the signing keys of the database the same environment points
 * at (DATABASE_URL, DATABASE_SCHEMA, SIGNING_KEY_ENCRYPTION_KEY). Prints no private material.
 * On an embedded pglite:// database, stop the server first: only one process may open it.
 */
import { messageOf } from '../modules/kernel/mod.ts';
import { publicationLeadMs, rotateSigningKey, signingKeyStatuses, type SigningKeyStatus } from '../modules/auth/mod.ts';
import { loadConfig } from '../config/mod.ts';
import { createLogger } from './log.ts';
import { signingKeyRepository } from './modules.ts';
import { signingKeyStore } from './signing-keys.ts';
import { withStorage } from './command-storage.ts';

const usage = 'usage: npm run keys -- list | rotate';

function line({ key, state, retiredAt, publishedUntil }: SigningKeyStatus): string {
  const at = (label: string, date: Date | null) => (date ? ` ${label} ${date.toISOString()}` : '');
  return `${key.kid}  ${state.padEnd(7)}${at('signs from', key.activatesAt)}${at('retired', retiredAt)}${at('published until', publishedUntil)}`;
}

async function run(command: string | undefined): Promise<number> {
  if (command !== 'list' && command !== 'rotate') {
    console.error(usage);
    return 2;
  }
  const config = loadConfig(process.env);
  if (config.database.kind === 'memory') {
    console.error('DATABASE_URL=memory keeps no keys beyond one process: point it at the database the servers use.');
    return 2;
  }
  const logger = createLogger({ level: config.logLevel, service: 'keys' });
  return withStorage(config, { logger, timeoutMs: 10_000 }, async (storage) => {
    const keys = signingKeyStore(config, signingKeyRepository(storage), logger);
    const now = new Date();
    if (command === 'rotate') {
      const before = new Set((await keys.list()).map((k) => k.kid));
      const [newest] = await rotateSigningKey(keys, now);
      const { kid, activatesAt } = newest!;
      if (before.size === 0) console.log(`Created the first signing key ${kid}; it signs from now.`);
      else if (before.has(kid)) console.log(`A next key is published already: ${kid} signs from ${activatesAt.toISOString()}.`);
      else {
        console.log(
          `Published ${kid}; it signs from ${activatesAt.toISOString()} (in ${publicationLeadMs / 60_000} minutes, once every cached JWKS has it). Tokens signed before keep verifying until they expire.`,
        );
      }
    }
    const statuses = signingKeyStatuses(await keys.list(), now, config.tokens);
    if (statuses.length === 0) console.log('No signing keys yet: the first auth process to start creates one.');
    for (const status of statuses) console.log(line(status));
    return 0;
  });
}

try {
  process.exitCode = await run(process.argv[2]);
} catch (error) {
  console.error(messageOf(error));
  process.exitCode = 1;
}
