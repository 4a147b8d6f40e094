import OSS from 'ali-oss';
import type { StsCredentials } from '../fc/fc-context';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from '../imm/retry';

/** One page of a bucket listing: keys in OSS order, and the token of the next page (null = last). */
export interface ListedPage {
  keys: string[];
  nextToken: string | null;
}

/** What backfill and reconcile need from the bucket. */
export interface BucketLister {
  listPage(prefix: string, token: string | null, maxKeys: number): Promise<ListedPage>;
  /** Whether the object exists now (reconcile re-checks before removing anything). */
  exists(key: string): Promise<boolean>;
}

export interface OssListerOptions {
  region: string;
  bucket: string;
  credentials: StsCredentials;
  /** OSS_ENDPOINT; `http://127.0.0.1:PORT` in tests. */
  endpoint?: string;
  retry?: Partial<RetryPolicy>;
  /** Budget per listing call including retries. */
  budgetMs?: number;
}

/**
 * Keys come back URL-encoded (`encoding-type=url`) so that any key, even one with characters XML
 * cannot carry, survives the listing. With it OSS also encodes NextContinuationToken; both are
 * decoded like the official Go SDK does (url.QueryUnescape). ali-oss decodes neither.
 */
export function decodeListedKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

interface OssLikeError {
  status?: number;
  code?: string;
  name?: string;
}

/** 5xx, 429 and transport failures (ali-oss reports those with status ≤ 0 or none) are retried. */
export function isRetryableOssError(err: unknown): boolean {
  const e = (err ?? {}) as OssLikeError;
  if (typeof e.status === 'number' && e.status > 0) return e.status >= 500 || e.status === 429;
  return true;
}

/** ali-oss `listV2` (ListObjectsV2 with continuation tokens) with retries. */
export class OssBucketLister implements BucketLister {
  private readonly oss: OSS;
  private readonly retry: RetryPolicy;
  private readonly budgetMs: number;

  constructor(opts: OssListerOptions) {
    this.oss = new OSS({
      region: `oss-${opts.region}`,
      bucket: opts.bucket,
      accessKeyId: opts.credentials.accessKeyId,
      accessKeySecret: opts.credentials.accessKeySecret,
      stsToken: opts.credentials.securityToken,
      secure: !opts.endpoint?.startsWith('http://'),
      timeout: 30_000,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    });
    this.retry = { ...DEFAULT_RETRY, maxAttempts: 8, ...opts.retry };
    this.budgetMs = opts.budgetMs ?? 120_000;
  }

  async listPage(prefix: string, token: string | null, maxKeys: number): Promise<ListedPage> {
    const res = await withRetry(
      () =>
        this.oss.listV2({
          prefix,
          'max-keys': maxKeys,
          'encoding-type': 'url',
          ...(token ? { 'continuation-token': token } : {}),
        }),
      this.retry,
      { deadline: Date.now() + this.budgetMs, retryable: isRetryableOssError },
    );
    return {
      keys: (res.objects ?? []).map((o) => decodeListedKey(o.name)),
      nextToken:
        res.isTruncated && res.nextContinuationToken ? decodeListedKey(res.nextContinuationToken) : null,
    };
  }

  async exists(key: string): Promise<boolean> {
    return withRetry(
      async () => {
        try {
          await this.oss.head(key);
          return true;
        } catch (err) {
          if ((err as OssLikeError).status === 404) return false;
          throw err;
        }
      },
      this.retry,
      { deadline: Date.now() + this.budgetMs, retryable: isRetryableOssError },
    );
  }
}
