/**
 * `npm run admin -- grant|revoke <email> <role>`: changes an account's roles in the database the
 * same environment points at (DATABASE_URL, DATABASE_SCHEMA), with a `user.roles_changed` event
 * in the same transaction, which the running servers relay to the audit log. On an embedded
 * pglite:// database, stop the server first: only one process may open it.
 */
import { messageOf, systemClock } from '../modules/kernel/mod.ts';
import { changeRole, emailSchema, roleSchema } from '../modules/user/mod.ts';
import { loadConfig } from '../config/mod.ts';
import { createLogger } from './log.ts';
import { userRepository } from './modules.ts';
import { withStorage } from './command-storage.ts';

const usage = 'usage: npm run admin -- grant|revoke <email> <role>';

async function run([command, email, role, ...rest]: string[]): Promise<number> {
  const parsedEmail = emailSchema.safeParse(email);
  const parsedRole = roleSchema.safeParse(role);
  if ((command !== 'grant' && command !== 'revoke') || !parsedEmail.success || !parsedRole.success || rest.length > 0) {
    console.error(usage);
    if (parsedEmail.error && email !== undefined) console.error(`"${email}" is not an email address.`);
    if (parsedRole.error && role !== undefined) console.error(`"${role}": ${parsedRole.error.issues[0]!.message}`);
    return 2;
  }
  const config = loadConfig(process.env);
  if (config.database.kind === 'memory') {
    console.error('DATABASE_URL=memory keeps no accounts beyond one process: point it at the database the servers use.');
    return 2;
  }
  const logger = createLogger({ level: config.logLevel, service: 'admin' });
  return withStorage(config, { logger, timeoutMs: 10_000 }, async (storage) => {
    const users = userRepository(storage);
    const account = await users.findByEmail(parsedEmail.data);
    if (!account) {
      console.error(`No account has the email ${parsedEmail.data}.`);
      return 1;
    }
    const granted = command === 'grant';
    const { user, changed } = await changeRole(users, { userId: account.id, role: parsedRole.data, granted, source: 'cli' }, systemClock);
    const roles = `roles: ${user.roles.join(', ') || 'none'}`;
    if (!changed) {
      console.log(`${user.email} ${granted ? 'has' : 'does not have'} the role ${parsedRole.data} already (${roles}).`);
    } else if (granted) {
      console.log(`Granted ${parsedRole.data} to ${user.email} (${roles}); their access tokens carry it from their next login or refresh.`);
    } else {
      console.log(
        `Revoked ${parsedRole.data} from ${user.email} (${roles}). Access tokens issued before keep it until they expire (ACCESS_TOKEN_TTL_SECONDS, ${config.tokens.accessTokenTtlSeconds} s); to end them now, revoke the account's sessions (DELETE /api/admin/users/${user.id}/sessions).`,
      );
    }
    return 0;
  });
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  console.error(messageOf(error));
  process.exitCode = 1;
}
