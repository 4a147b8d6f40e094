/**
 * Log lines written once per event-loop turn instead of once per line.
 *
 * Node writes stdout synchronously when it is a file or a pipe, so a server logging one line per request
 * made one write(2) per request: ~7 % of its samples under 50 connections on a kept page. Lines logged
 * in one turn (all the requests read from the sockets together) now go out as one write, in order, right
 * after that turn's I/O; nothing waits longer than the turn. Lines still pending when the process exits
 * (process.exit, an uncaught error) are written by the exit handler, so none are lost; only a kill -9
 * can take the lines of the current turn with it.
 */
export interface LineSink {
  write(chunk: string): unknown;
}

export interface BatchedLines {
  /** Queues one line (without its newline). */
  write(line: string): void;
  /** Writes what is queued now. */
  flush(): void;
  /** Flushes and stops listening for the process's exit. */
  close(): void;
}

export interface BatchedLinesOptions {
  /** Queued characters that make a write at once, whatever the turn (bounds the memory a burst takes). */
  maxPending?: number;
  /** The process whose exit flushes the queue (this process by default; tests pass their own). */
  exitOf?: Pick<NodeJS.Process, 'on' | 'off'>;
}

export function batchedLines(sink: LineSink, opts: BatchedLinesOptions = {}): BatchedLines {
  const maxPending = opts.maxPending ?? 64 * 1024;
  const exitOf = opts.exitOf ?? process;
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!pending) return;
    const chunk = pending;
    pending = '';
    sink.write(chunk);
  };
  exitOf.on('exit', flush);
  return {
    write(line) {
      pending += `${line}\n`;
      if (pending.length >= maxPending) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
    close() {
      flush();
      exitOf.off('exit', flush);
    },
  };
}
