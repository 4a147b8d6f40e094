/**
 * Spaces calls at most `perSecond` apart, across concurrent callers: each acquire reserves the next
 * free slot synchronously, then sleeps until it. Hand-written (a dozen lines) because a fixed
 * interval is all IMM's per-project QPS budget needs; no rate-limit package is installed.
 */
export class CallPacer {
  private nextSlot = 0;
  private readonly intervalMs: number;

  constructor(
    perSecond: number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.intervalMs = 1000 / perSecond;
  }

  async acquire(): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await this.sleep(slot - now);
  }
}
