import type { Logger } from '../../log/logger';
import type { FolderChange } from './oss-event-builder';

export interface ChangeQueueOptions {
  /** Delivers one batch (the indexer handler behind an OSS event); batches never overlap. */
  deliver: (batch: FolderChange[]) => Promise<void>;
  log: Logger;
  /** Changes arriving within this window go out together. */
  batchWindowMs?: number;
  maxBatch?: number;
  /** Called after each delivered batch (drives the quiet-period clustering). */
  onDelivered?: () => void;
}

/**
 * Collects folder changes into OSS-event-sized batches and delivers them one batch at a time, like
 * FC's async invocations of the indexer. The latest change per key wins within the queue.
 */
export class ChangeQueue {
  private readonly pending = new Map<string, FolderChange>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private waiters: (() => void)[] = [];
  /** The batch being delivered: still waiting to be indexed until its delivery ends. */
  private inFlight: FolderChange[] = [];

  constructor(private readonly opts: ChangeQueueOptions) {}

  push(change: FolderChange): void {
    this.pending.delete(change.key);
    this.pending.set(change.key, change);
    if (this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.drain();
    }, this.opts.batchWindowMs ?? 250);
  }

  /** Changes not indexed yet: waiting, and being indexed (a batch leaves the queue only when delivered). */
  get size(): number {
    return this.pending.size + this.inFlight.length;
  }

  /**
   * Under a key prefix (one library's folder; '' for all): changes not indexed yet (`queued`, those being
   * indexed included) and those being indexed now (`running`).
   */
  countsUnder(prefix: string): { queued: number; running: number } {
    let waiting = 0;
    for (const key of this.pending.keys()) if (key.startsWith(prefix)) waiting++;
    const running = this.inFlight.filter((c) => c.key.startsWith(prefix)).length;
    return { queued: waiting + running, running };
  }

  /** Resolves once everything pushed so far has been delivered. */
  idle(): Promise<void> {
    if (!this.running && !this.pending.size) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private drain(): void {
    if (this.running) return;
    this.running = (async () => {
      while (this.pending.size) {
        const batch = [...this.pending.values()].slice(0, this.opts.maxBatch ?? 100);
        for (const c of batch) this.pending.delete(c.key);
        this.inFlight = batch;
        try {
          await this.opts.deliver(batch);
        } catch (err) {
          // The handler rethrows transient failures for FC to retry; here the next change or restart retries.
          this.opts.log.error('watch.batch_failed', { changes: batch.length, error: err });
        } finally {
          this.inFlight = [];
        }
        this.opts.onDelivered?.();
      }
    })().finally(() => {
      this.running = null;
      if (this.pending.size) this.drain();
      else for (const resolve of this.waiters.splice(0)) resolve();
    });
  }
}
