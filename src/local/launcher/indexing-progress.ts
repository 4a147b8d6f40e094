import type { Logger } from '../../log/logger';

export interface IndexingProgressOptions {
  /** The change queue's counts (changes not indexed yet, being indexed). */
  indexing: () => { queued: number; running: number };
  /** Photos the album's indexer has finished so far (any outcome), a counter that only grows. */
  handled: () => number;
  log: Logger;
  now?: () => number;
}

/**
 * `start`'s progress on the terminal while it indexes: one `indexing.progress` line per tick (the daemon
 * ticks every few seconds) while changes wait, with photos done since the burst began, photos still to
 * go and the rate. Quiet otherwise; the per-batch `indexer.metrics` line says what each batch did.
 */
export class IndexingProgress {
  private burst: { at: number; handled: number } | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: IndexingProgressOptions) {
    this.now = opts.now ?? Date.now;
  }

  tick(): void {
    const { queued, running } = this.opts.indexing();
    if (queued === 0) {
      this.burst = null;
      return;
    }
    const handled = this.opts.handled();
    if (!this.burst) {
      // The first tick of a burst only marks where it starts: nothing to rate yet.
      this.burst = { at: this.now(), handled };
      return;
    }
    const done = handled - this.burst.handled;
    const seconds = Math.max(0.001, (this.now() - this.burst.at) / 1000);
    this.opts.log.info('indexing.progress', {
      done,
      queued,
      running,
      photosPerSecond: Math.round((done / seconds) * 10) / 10,
    });
  }
}
