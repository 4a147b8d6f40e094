/**
 * Exponential backoff with full jitter (delay = random(0, min(cap, base·2^attempt))), bounded by
 * an attempt cap and a deadline: a retry is only made when its sleep ends before the deadline,
 * so a function never overruns its FC timeout while waiting on a throttled IMM.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

export interface RetryHooks {
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  retryable: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export async function withRetry<T>(
  call: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks,
): Promise<T> {
  const sleep = hooks.sleep ?? realSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(attempt);
    } catch (err) {
      if (!hooks.retryable(err) || attempt + 1 >= policy.maxAttempts) throw err;
      const delay = backoffDelay(attempt, policy, hooks.random);
      if (Date.now() + delay >= hooks.deadline) throw err;
      hooks.onRetry?.(err, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
