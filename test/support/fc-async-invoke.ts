/**
 * FC 3.0's asynchronous invocation as the OSS trigger uses it (cloud-reference §3.6): an
 * invocation that throws is retried up to `maxAsyncRetryAttempts` more times; one that still
 * fails goes to the `onFailure` destination (here a list), with the request payload; one that
 * returns — whatever it returns — counts as done. Mirrors s.yaml's indexer asyncInvokeConfig.
 */
export interface DeadLetter {
  requestPayload: string;
  attempts: number;
  error: string;
}

export interface AsyncInvoker {
  invoke(event: Buffer): Promise<void>;
  deadLetters: DeadLetter[];
  /** Invocations in total, and how many were FC retries of a failed one. */
  invocations: number;
  retries: number;
}

export function fcAsyncInvoker(
  handler: (event: Buffer, context?: unknown) => Promise<unknown>,
  context: () => Record<string, unknown>,
  opts: { maxAsyncRetryAttempts: number; retryDelayMs?: number },
): AsyncInvoker {
  const invoker: AsyncInvoker = {
    deadLetters: [],
    invocations: 0,
    retries: 0,
    async invoke(event) {
      let lastError = '';
      for (let attempt = 0; attempt <= opts.maxAsyncRetryAttempts; attempt++) {
        invoker.invocations++;
        if (attempt > 0) {
          invoker.retries++;
          await new Promise((r) => setTimeout(r, opts.retryDelayMs ?? 5));
        }
        try {
          await handler(event, context());
          return;
        } catch (err) {
          lastError = err instanceof Error ? err.message : String(err);
        }
      }
      invoker.deadLetters.push({
        requestPayload: event.toString(),
        attempts: opts.maxAsyncRetryAttempts + 1,
        error: lastError,
      });
    },
  };
  return invoker;
}
