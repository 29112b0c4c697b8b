import { ConfigError, describeConfig, loadConfig, type Config } from '../config/mod.ts';
import { createLogger, type Logger } from './log.ts';
import { createSystem, type Runtime, type System } from './system.ts';

export interface Booted {
  config: Config;
  logger: Logger;
  system: System;
}

/**
 * What both entry points share: read and print config, compose the system. A bad config prints
 * every problem, naming its variable, and returns null so the entry point exits non-zero.
 */
export async function boot(env: Record<string, string | undefined>, runtime: Omit<Runtime, 'logger'>): Promise<Booted | null> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return null;
  }
  const logger = createLogger({ level: config.logLevel, service: config.monolith ? 'monolith' : config.serviceName });
  logger.info('config', describeConfig(config));
  const system = await createSystem(config, { ...runtime, logger });
  return { config, logger, system };
}
