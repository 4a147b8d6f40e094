import type { Logger } from './logger';

/**
 * A logger that also counts the events written through it (and its children), so a handler can
 * report per-invocation figures (photos skipped, IMM calls retried) from the events the pipeline
 * already logs, without a second channel or a shared counter. Muted events are counted, not written.
 */
export function tallyEvents(
  log: Logger,
  opts: { mute?: readonly string[] } = {},
): { log: Logger; count: (event: string) => number } {
  const counts = new Map<string, number>();
  const mute = new Set(opts.mute ?? []);
  const wrap = (inner: Logger): Logger => {
    const counted = (write: Logger['info']) => (event: string, fields?: Record<string, unknown>) => {
      counts.set(event, (counts.get(event) ?? 0) + 1);
      if (!mute.has(event)) write(event, fields);
    };
    return {
      debug: counted(inner.debug),
      info: counted(inner.info),
      warn: counted(inner.warn),
      error: counted(inner.error),
      child: (bindings) => wrap(inner.child(bindings)),
    };
  };
  return { log: wrap(log), count: (event) => counts.get(event) ?? 0 };
}
