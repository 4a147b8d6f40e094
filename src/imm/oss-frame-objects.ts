import type { StsCredentials } from '../fc/fc-context';
import { OssClients } from './oss-clients';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from './retry';

/** The frame objects IMM wrote under FRAME_PREFIX: which exist, and removing them with their video. */
export interface FrameObjects {
  /** Every key under `prefix` (one video's frames: at most a few dozen). */
  list(bucket: string, prefix: string): Promise<string[]>;
  /** Deletes the keys (absent ones are fine); throws when OSS keeps failing. */
  remove(bucket: string, keys: string[]): Promise<void>;
}

export interface OssFrameObjectsOptions {
  region: string;
  credentials: StsCredentials;
  /** OSS_ENDPOINT; `http://127.0.0.1:PORT` in tests. */
  endpoint?: string;
  retry?: Partial<RetryPolicy>;
  /** Budget per call including retries (the indexer's invocation deadline bounds it further). */
  budgetMs?: number;
}

/** 5xx, 429 and transport failures (ali-oss gives those status ≤ 0 or none) are retried. */
function retryable(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status > 0) return status >= 500 || status === 429;
  return true;
}

/** ListObjectsV2 (`encoding-type=url`) and DeleteMultipleObjects (≤ 1000 keys a call) through ali-oss. */
export class OssFrameObjects implements FrameObjects {
  private readonly clients: OssClients;
  private readonly retry: RetryPolicy;

  constructor(private readonly opts: OssFrameObjectsOptions) {
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.clients = new OssClients(opts, { secure: 'as-endpoint', timeoutMs: 15_000 });
  }

  private run<T>(call: () => Promise<T>): Promise<T> {
    return withRetry(call, this.retry, {
      deadline: Date.now() + (this.opts.budgetMs ?? 30_000),
      retryable,
    });
  }

  async list(bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.run(() =>
        this.clients.for(bucket).listV2({
          prefix,
          'max-keys': 1000,
          'encoding-type': 'url',
          ...(token ? { 'continuation-token': token } : {}),
        }),
      );
      for (const o of res.objects ?? []) keys.push(decode(o.name));
      token = res.isTruncated && res.nextContinuationToken ? decode(res.nextContinuationToken) : undefined;
    } while (token);
    return keys;
  }

  async remove(bucket: string, keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await this.run(() => this.clients.for(bucket).deleteMulti(batch, { quiet: true }));
    }
  }
}

/** Listed keys come back URL-encoded (encoding-type=url), as in src/backfill/bucket-listing.ts. */
function decode(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}
