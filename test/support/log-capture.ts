import { createLogger, type Logger } from '../../src/log/logger';

export interface LogCapture {
  lines: () => Record<string, any>[];
  raw: () => string;
  events: (name: string) => Record<string, any>[];
  clear: () => void;
  log: Logger;
}

/**
 * A root logger whose JSON lines the test reads back. It is handed to the handlers and runtimes
 * explicitly (as functions/*\/index.ts hand theirs); nothing spies on stdout.
 */
export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const log = createLogger({ level: 'debug', write: (line) => chunks.push(`${line}\n`) });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, any>);
  return {
    log,
    lines,
    raw: () => chunks.join(''),
    events: (name) => lines().filter((l) => l.event === name),
    clear: () => {
      chunks.length = 0;
    },
  };
}
