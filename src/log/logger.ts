/**
 * Structured logs: one JSON line per event, bound to an invocation (request id, function).
 * Hand-written (about 40 lines) because the FC runtime already ships stdout to SLS and a
 * logging library would only add bundle weight; redaction is the part that matters here.
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

const SECRET_KEY = /secret|token|password|authorization|signature|credential|accesskey/i;
// A signed URL is a bearer credential: keep the path, drop the query.
const SIGNED_URL = /(https?:\/\/[^\s"?]+)\?[^\s"]*(Signature|security-token|x-oss-signature)[^\s"]*/gi;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(SIGNED_URL, '$1?[redacted]');
  if (value instanceof Error) return { name: value.name, message: redact(value.message) };
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  bindings?: Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = RANK[opts.level ?? (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? RANK.info;
  const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const bindings = opts.bindings ?? {};
  const emit =
    (level: LogLevel) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      if (RANK[level] < min) return;
      const record = { time: new Date().toISOString(), level, event, ...bindings, ...fields };
      write(JSON.stringify(redact(record)));
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (more) => createLogger({ ...opts, write, bindings: { ...bindings, ...more } }),
  };
}
