/**
 * Admission in front of the face engine for work someone waits on (POST /people/search, POST /detect):
 * at most `running` at once (one per engine worker: more would only queue inside the engine) and at most
 * `waiting` more in line; anything beyond is refused at once with a time to come back, rather than queued
 * without bound (last measured: 50 connections of searches answered 500 after ~22 s).
 *
 * With 2 workers and ~150 ms of engine time per 2-MP search, the 4th in line starts within ~0.3 s; the
 * bodies held are (running + waiting) uploads at most.
 */
export class EngineBusyError extends Error {
  override readonly name = 'EngineBusyError';
  constructor(
    readonly limit: { running: number; waiting: number },
    /** Whole seconds after which a retry is likely to be admitted. */
    readonly retryAfterSeconds: number,
  ) {
    super(
      `the face engine is busy: ${limit.running} searches or detections running and ${limit.waiting} waiting, the most it takes; retry in ${retryAfterSeconds} s`,
    );
  }
}

export class EngineGate {
  private running = 0;
  private readonly line: (() => void)[] = [];
  /** Moving average of a run's duration (ms), for Retry-After. */
  private meanMs = 500;

  constructor(private readonly limit: { running: number; waiting: number }) {}

  /** Throws EngineBusyError if `run` would refuse now (to refuse before reading a request's body). */
  refuseWhenFull(): void {
    if (this.running >= this.limit.running && this.line.length >= this.limit.waiting)
      throw new EngineBusyError(this.limit, this.retryAfter());
  }

  /** Runs `work` when a place is free; throws EngineBusyError when the line is full. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit.running) {
      this.refuseWhenFull();
      await new Promise<void>((resolve) => this.line.push(resolve));
    } else this.running++;
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      this.meanMs = 0.8 * this.meanMs + 0.2 * (performance.now() - t0);
      // The place passes straight to the next in line (running stays counted), so none can jump it.
      const next = this.line.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Until the whole line ahead has run, at least 1 s. */
  private retryAfter(): number {
    const ahead = this.running + this.line.length;
    return Math.max(1, Math.ceil((ahead * this.meanMs) / this.limit.running / 1000));
  }
}
