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
// costs a string append, and the writes leave the event loop. Batched: the lines of `batchMs` go
// out in one write (a system call and a thread-pool hand-off each, which per line took 8 % of an
// authenticated read's busy time); a batch goes at once when it reaches `batchBytes`.
const batchMs = 20;
const batchBytes = 16_384;
let stderr: ReturnType<typeof destination> | undefined;
let batch = '';
let batchTimer: ReturnType<typeof setTimeout> | undefined;

function sendBatch() {
  clearTimeout(batchTimer);
  batchTimer = undefined;
  if (batch) stderr!.write(batch);
  batch = '';
}

/** What pino writes its lines to. */
const batching = {
  write(line: string) {
    batch += line;
    if (batch.length >= batchBytes) sendBatch();
    else if (!batchTimer) {
      batchTimer = setTimeout(sendBatch, batchMs);
      batchTimer.unref?.();
    }
  },
};

function shared() {
  if (!stderr) {
    stderr = destination({ dest: 2, sync: false }); // whose buffer pino writes out synchronously at exit
    // So is the batch, after what the stream still holds (whichever exit hook runs first).
    process.on('exit', () => {
      if (!batch) return;
      try {
        stderr!.flushSync();
      } catch {
        // ended already (pino ends it when the event loop runs dry): nothing left in it
      }
      destination({ dest: 2, sync: true }).write(batch);
      batch = '';
    });
  }
  return batching;
}

/**
 * Resolves once every line logged so far is written out: call it before `process.exit`, which
 * would drop what is still buffered or being written. (pino writes what is buffered at exit, but
 * not a write already handed to libuv's thread pool.) Bounded, should stderr's reader be gone.
 */
export function flushLogs(timeoutMs = 2000): Promise<void> {
  const stream = stderr;
  if (!stream) return Promise.resolve();
  sendBatch();
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
