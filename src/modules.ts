import { adminModule } from '../modules/admin/mod.ts';
import { auditModule } from '../modules/audit/mod.ts';
import { authModule, createPasswordThrottle } from '../modules/auth/mod.ts';
import type { CallsOf, ModuleDescriptor, SettingsOf } from '../modules/kernel/mod.ts';
import { mfaModule, relyingPartyOf } from '../modules/mfa/mod.ts';
import { notificationModule } from '../modules/notification/mod.ts';
import { sessionModule } from '../modules/session/mod.ts';
import { userModule } from '../modules/user/mod.ts';
import { createArgon2PasswordHasher } from '../adapters/argon2/password-hasher.ts';
import { createMemoryAccountTokenRepository } from '../adapters/memory/account-token-repository.ts';
import { createMemoryAuditRepository } from '../adapters/memory/audit-repository.ts';
import { createMemoryMfaRepository } from '../adapters/memory/mfa-repository.ts';
import { createMemoryPendingLoginStore } from '../adapters/memory/pending-login-store.ts';
import { createMemorySessionRepository } from '../adapters/memory/session-repository.ts';
import { createMemorySigningKeyRepository } from '../adapters/memory/signing-key-repository.ts';
import { createMemoryTotpReplayGuard } from '../adapters/memory/totp-replay-guard.ts';
import { createMemoryUserRepository } from '../adapters/memory/user-repository.ts';
import { createMemoryWebAuthnChallengeStore } from '../adapters/memory/webauthn-challenge-store.ts';
import { createRedisPendingLoginStore } from '../adapters/redis/pending-login-store.ts';
import { createRedisSessionRepository } from '../adapters/redis/session-repository.ts';
import { createRedisTotpReplayGuard } from '../adapters/redis/totp-replay-guard.ts';
import { createRedisWebAuthnChallengeStore } from '../adapters/redis/webauthn-challenge-store.ts';
import { createSqlAccountTokenRepository } from '../adapters/sql/account-token-repository.ts';
import { createSqlAuditRepository } from '../adapters/sql/audit-repository.ts';
import { createSqlMfaRepository } from '../adapters/sql/mfa-repository.ts';
import { createSqlPendingLoginStore } from '../adapters/sql/pending-login-store.ts';
import { createSqlSessionRepository } from '../adapters/sql/session-repository.ts';
import { createSqlSigningKeyRepository } from '../adapters/sql/signing-key-repository.ts';
import { createSqlTotpReplayGuard } from '../adapters/sql/totp-replay-guard.ts';
import { createSqlUserRepository } from '../adapters/sql/user-repository.ts';
import { createSqlWebAuthnChallengeStore } from '../adapters/sql/webauthn-challenge-store.ts';
import { createEncryptedMfaRepository } from '../adapters/webcrypto/encrypted-mfa-repository.ts';
import { createCommonPasswordList } from '../adapters/zxcvbn/common-password-list.ts';
import type { Config } from '../config/mod.ts';
import type { Logger } from './log.ts';
import { createMailer } from './mail.ts';
import { startMaintenance } from './maintenance.ts';
import type { RateLimiters } from './rate-limits.ts';
import { signingKeyStore } from './signing-keys.ts';
import type { Storage } from './storage.ts';

/** What the composition root has to build a hosted module from. */
export interface Infrastructure {
  config: Config;
  logger: Logger;
  storage: Storage;
  rateLimits: () => RateLimiters;
  /** Counts one mail send (a metric). */
  recordMail: (outcome: 'sent' | 'failed') => void;
}

/** A module's descriptor, and how this process builds it: its adapters and settings. */
export interface ModuleBinding<Descriptor extends ModuleDescriptor = ModuleDescriptor> {
  descriptor: Descriptor;
  /** The module's dependencies from the infrastructure, the ports it calls (local or remote) and its own settings. */
  deps(infra: Infrastructure, calls: CallsOf<Descriptor>, settings: SettingsOf<Descriptor>): Parameters<Descriptor['create']>[0];
  /** Background work its storage needs while the module runs, over the dependencies `deps` made; returns a stop function. */
  maintain?(infra: Infrastructure, deps: Parameters<Descriptor['create']>[0]): () => void;
}

const bind = <Descriptor extends ModuleDescriptor>(binding: ModuleBinding<Descriptor>) => binding;

/** The auth module's keys in the configured store (also what `npm run keys` manages). */
export const signingKeyRepository = (storage: Storage) =>
  storage.pick({ memory: () => createMemorySigningKeyRepository(), sql: ({ db }) => createSqlSigningKeyRepository({ db }) });

/** The user module's accounts in the configured store (also what `npm run admin` changes). */
export const userRepository = (storage: Storage) =>
  storage.pick({
    memory: ({ outbox }) => createMemoryUserRepository({ outbox }),
    sql: ({ db }) => createSqlUserRepository({ db }),
  });

/** Sessions live in Redis when REDIS_URL is set: they expire by themselves, and every instance shares them. */
const sessionRepository = (storage: Storage) =>
  storage.pick({
    memory: ({ outbox }) => createMemorySessionRepository({ outbox }),
    sql: ({ db }) => createSqlSessionRepository({ db }),
    redis: (stores) => createRedisSessionRepository(stores),
  });

/** Logins and password re-checks (user module) and code checks (mfa module) count against one per-account throttle. */
const passwordThrottle = ({ logger, rateLimits }: Infrastructure) =>
  createPasswordThrottle({
    store: rateLimits().passwords,
    onReleaseFailed: (error) =>
      logger.warn('password check slot not released; freed once the store answers again, or by itself within 5 s', { error }),
  });

/**
 * Every module but the gateway, the one list the composition root, the placement rules, the
 * gateway's routes, the internal routes, the OpenAPI document and the deployment scripts read.
 */
export const modules = [
  bind({
    descriptor: authModule,
    deps: ({ config, logger, storage }, calls, settings) => ({
      calls,
      keys: signingKeyStore(config, signingKeyRepository(storage), logger),
      // Shared by every auth process, as a second step may reach another than its first: Redis (keys expire by themselves) when set.
      pendingLogins: storage.pick({
        memory: () => createMemoryPendingLoginStore(),
        sql: ({ db }) => createSqlPendingLoginStore({ db }),
        redis: (stores) => createRedisPendingLoginStore(stores),
      }),
      outbox: storage.outbox,
      tokens: config.tokens,
      ...settings,
    }),
  }),
  bind({
    descriptor: userModule,
    deps: (infra, _calls, settings) => ({
      ...settings,
      users: userRepository(infra.storage),
      hasher: createArgon2PasswordHasher({ admission: infra.config.passwordHashing }),
      commonPasswords: createCommonPasswordList(),
      throttle: passwordThrottle(infra),
      tokens: infra.storage.pick({
        memory: () => createMemoryAccountTokenRepository(),
        sql: ({ db }) => createSqlAccountTokenRepository({ db }),
      }),
      outbox: infra.storage.outbox,
      mailLimit: infra.rateLimits().accountMails,
    }),
  }),
  bind({
    descriptor: sessionModule,
    deps: ({ storage }, _calls, settings) => ({ sessions: sessionRepository(storage), ...settings }),
    // Redis session keys expire by themselves; SQL rows (and memory's) need the sweep.
    maintain: ({ config, logger }, { sessions }) => (config.redis ? () => {} : startMaintenance({ sessions, logger })),
  }),
  bind({
    descriptor: auditModule,
    deps: ({ storage }) => ({
      entries: storage.pick({ memory: () => createMemoryAuditRepository(), sql: ({ db }) => createSqlAuditRepository({ db }) }),
    }),
  }),
  bind({
    descriptor: adminModule,
    deps: ({ storage }, calls) => ({ calls, outbox: storage.outbox }),
  }),
  bind({
    descriptor: mfaModule,
    deps: (infra, calls, settings) => {
      const { config, logger, storage } = infra;
      if (!config.signingKeyEncryptionKey && config.database.kind !== 'memory') {
        logger.warn('TOTP secrets are stored unencrypted; set SIGNING_KEY_ENCRYPTION_KEY (32 bytes, base64) to encrypt them at rest');
      }
      const factors = storage.pick({
        memory: ({ outbox }) => createMemoryMfaRepository({ outbox }),
        sql: ({ db }) => createSqlMfaRepository({ db }),
      });
      return {
        calls,
        factors: createEncryptedMfaRepository({ factors, encryptionKey: config.signingKeyEncryptionKey }),
        // Shared by every process that checks codes and assertions: Redis (keys expire by themselves) when set.
        replayGuard: storage.pick({
          memory: () => createMemoryTotpReplayGuard(),
          sql: ({ db }) => createSqlTotpReplayGuard({ db }),
          redis: (stores) => createRedisTotpReplayGuard(stores),
        }),
        challenges: storage.pick({
          memory: () => createMemoryWebAuthnChallengeStore(),
          sql: ({ db }) => createSqlWebAuthnChallengeStore({ db }),
          redis: (stores) => createRedisWebAuthnChallengeStore(stores),
        }),
        relyingParty: relyingPartyOf(settings, config.publicUrl, config.tokens.issuer),
        issuer: config.tokens.issuer,
        throttle: passwordThrottle(infra),
      };
    },
  }),
  bind({
    descriptor: notificationModule,
    deps: ({ config, logger, recordMail }, calls, settings) => ({
      calls,
      mailer: createMailer(settings, logger, recordMail),
      publicUrl: config.publicUrl,
    }),
    // Not storage, but what the module holds open while it runs: the mailer's pooled connections.
    maintain:
      (_infra, { mailer }) =>
      () =>
        void mailer.close(),
  }),
] as const;

/** A module another process can call: every module but the gateway. */
export type CallableModule = (typeof modules)[number]['descriptor']['name'];
export type ModuleName = 'gateway' | CallableModule;

export type DescriptorOf<M extends CallableModule> = Extract<(typeof modules)[number]['descriptor'], { name: M }>;

/** Each module's own settings, by module name (Config.settings). */
export type SettingsByModule = { [M in CallableModule]: SettingsOf<DescriptorOf<M>> };

/** A binding with its module's types erased (ModuleDescriptor's defaults), as the composition root iterates them. */
export type HostedModule = ModuleBinding;

/** Every module's name, the gateway first. */
export const moduleNames: readonly ModuleName[] = ['gateway', ...modules.map((m) => m.descriptor.name)];

/**
 * The modules the gateway calls: auth (its signing keys) and session (revocations), and every
 * module whose public routes it serves.
 */
export const gatewayCalls: readonly CallableModule[] = [
  ...new Set<CallableModule>(['auth', 'session', ...modules.filter((m) => m.descriptor.routes.length > 0).map((m) => m.descriptor.name)]),
];
