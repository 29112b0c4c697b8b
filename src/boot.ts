import { ConfigError, describeConfig, loadConfig, type Config } from '../config/mod.ts';
import { createLogger, type Logger } from './log.ts';
import { createSystem, type Runtime, type System } from './system.ts';
import { startTelemetry } from './telemetry.ts';

export interface Booted {
  config: Config;
  logger: Logger;
  system: System;
  /** Closes the system, then exports the spans still buffered. */
  close(): Promise<void>;
}

/**
 * What both entry points share: read and print config, start tracing when configured, compose the system. A bad config prints
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
  const service = config.monolith ? 'monolith' : config.serviceName;
  const logger = createLogger({ level: config.logLevel, service });
  logger.info('config', describeConfig(config));
  const tracing = await startTelemetry({
    otlpEndpoint: config.otlpEndpoint,
    sampler: config.traceSampler,
    edge: config.services.includes('gateway'),
    service,
    logger,
  });
  const system = await createSystem(config, { ...runtime, logger });
  return {
    config,
    logger,
    system,
    async close() {
      await system.close();
      await tracing?.shutdown();
    },
  };
}
