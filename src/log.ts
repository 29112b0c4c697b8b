import { isSpanContextValid, trace } from '@opentelemetry/api';
import { destination, pino, stdTimeFunctions } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

function errorFields(value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}

/** The trace of the work being logged, when tracing is on: lines then join up with their spans. */
function activeTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && isSpanContextValid(context) ? context.traceId : undefined;
}

// One buffer for every logger of the process, so its lines keep their order. Asynchronous: a line
// costs a string append, and the writes (batched while one is under way) leave the event loop. A
// synchronous console.error per line took 14 % of an authenticated read's busy time (now 3.5 %).
let stderr: ReturnType<typeof destination> | undefined;
const shared = () => (stderr ??= destination({ dest: 2, sync: false }));

/**
 * Resolves once every line logged so far is written out: call it before `process.exit`, which
 * would drop what is still buffered or being written. (pino writes what is buffered at exit, but
 * not a write already handed to libuv's thread pool.) Bounded, should stderr's reader be gone.
 */
export function flushLogs(timeoutMs = 2000): Promise<void> {
  const stream = stderr;
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    stream.once('drain', () => {
      clearTimeout(timer);
      resolve();
    });
    // An empty write queues behind whatever is buffered or under way; once it is done the buffer
    // is empty and the stream says 'drain'.
    stream.write('');
  });
}

/** One JSON line per entry on stderr. Callers never pass passwords, tokens or secrets. */
export function createLogger({ level, service }: { level: LogLevel; service: string }): Logger {
  const logger = pino(
    {
      level,
      base: { service },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { error: errorFields },
    },
    shared(),
  );
  // `msg` and `traceId` go in the entry (not pino's message argument, which it puts last), so a
  // line still reads level, time, service, msg, then the fields.
  const write = (lvl: Exclude<LogLevel, 'silent'>) =>
    logger.isLevelEnabled(lvl)
      ? (msg: string, fields: Record<string, unknown> = {}) => logger[lvl]({ msg, traceId: activeTraceId(), ...fields })
      : () => {};
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
