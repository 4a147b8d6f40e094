import type { Logger } from '../../log/logger';

export interface ClusterSchedulerOptions {
  /** Runs one clustering pass (the clusterer handler behind a timer event). */
  run: (triggerName: string) => Promise<void>;
  log: Logger;
  /** Like the FC timer trigger: a pass every this many ms (skipped by the backend when nothing changed). */
  intervalMs: number;
  /** After a burst of indexing, cluster once the folder has been quiet this long. */
  quietMs: number;
}

/** The local stand-in for the clusterer's timer trigger, plus a run shortly after each burst of changes. */
export class ClusterScheduler {
  private readonly interval: NodeJS.Timeout;
  private quiet: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly opts: ClusterSchedulerOptions) {
    this.interval = setInterval(() => this.trigger('local-timer'), opts.intervalMs);
    this.interval.unref();
  }

  /** Indexing happened: (re)start the quiet-period countdown. */
  activity(): void {
    if (this.quiet) clearTimeout(this.quiet);
    this.quiet = setTimeout(() => {
      this.quiet = null;
      this.trigger('local-quiet-period');
    }, this.opts.quietMs);
  }

  trigger(name: string): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.opts
      .run(name)
      .catch((err) => this.opts.log.error('clustering.trigger_failed', { triggerName: name, error: err }))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          void this.trigger(name);
        }
      });
    return this.running;
  }

  /** Waits for a pending quiet-period run and any running pass. */
  async settle(): Promise<void> {
    while (this.quiet || this.running) {
      if (this.running) await this.running;
      else await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop(): void {
    clearInterval(this.interval);
    if (this.quiet) clearTimeout(this.quiet);
    this.quiet = null;
  }
}
