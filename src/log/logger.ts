/**
 * Structured logs: one record per event, bound to an invocation (request id, function).
 * Hand-written (about 60 lines) because the FC runtime already ships stdout to SLS and a
 * logging library would only add bundle weight; redaction is the part that matters here.
 * Machines get one JSON line per record; a person at a terminal gets the same records through
 * a formatter (src/log/human-format.ts), never a second logger.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** One log event after redaction: what every format renders. */
export interface LogRecord {
  time: string;
  level: LogLevel;
  event: string;
  [field: string]: unknown;
}

/** Renders a record as one line, or null to leave it out of this format. */
export type LogFormat = (record: LogRecord) => string | null;

export const jsonFormat: LogFormat = (record) => JSON.stringify(record);

const SECRET_KEY = /secret|token|password|authorization|signature|credential|accesskey/i;
// A signed URL is a bearer credential: keep the path, drop the query.
const SIGNED_URL = /(https?:\/\/[^\s"?]+)\?[^\s"]*(Signature|security-token|x-oss-signature|sig=)[^\s"]*/gi;

export function redact(value: unknown, depth = 0): unknown {
  // A signed URL has a query: most strings (a request's path, ids) have none and skip the regex.
  if (typeof value === 'string')
    return value.includes('?') ? value.replace(SIGNED_URL, '$1?[redacted]') : value;
  if (value instanceof Error) return { name: value.name, message: redact(value.message) };
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  /** Lowest level written; `LOG_LEVEL` is read by the composition root, not here. */
  level?: LogLevel;
  /** JSON lines by default. */
  format?: LogFormat;
  /** Where each rendered line goes (without its newline); stdout by default. */
  write?: (line: string) => void;
  bindings?: Record<string, unknown>;
}

export const isLogLevel = (v: unknown): v is LogLevel => typeof v === 'string' && v in RANK;

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const format = opts.format ?? jsonFormat;
  const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const bindings = opts.bindings ?? {};
  const emit =
    (level: LogLevel) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      if (RANK[level] < min) return;
      const record = { time: new Date().toISOString(), level, event, ...bindings, ...fields };
      const line = format(redact(record) as LogRecord);
      if (line !== null) write(line);
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (more) => createLogger({ ...opts, write, format, bindings: { ...bindings, ...more } }),
  };
}

/** The level the environment asks for (`LOG_LEVEL`), for composition roots. */
export function envLogLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  return isLogLevel(env.LOG_LEVEL) ? env.LOG_LEVEL : 'info';
}
