import type OpenApi from '@alicloud/openapi-client';
import * as $OpenApi from '@alicloud/openapi-client';
import * as $Util from '@alicloud/tea-util';
import type { StsCredentials } from '../fc/fc-context';
import type { Logger } from '../log/logger';
import { ImmError, toImmError } from './imm-error';
import { IMM_API_VERSION, type ImmAction, type ImmRequest, type ImmResponse } from './imm-wire';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from './retry';

/**
 * IMM over `@alicloud/openapi-client`, sending exactly what `@alicloud/imm20200930` sends
 * (cloud-reference §1.3–1.5): RPC style, POST /, every parameter in the query string, complex
 * fields as JSON strings under their PascalCase wire names. The SDK's own retry is off; ours
 * (retry.ts) knows about IMM throttling and the invocation deadline.
 */
export interface ImmClientOptions {
  region: string;
  credentials: StsCredentials;
  /** `imm.<region>.aliyuncs.com` by default; `http://127.0.0.1:PORT` for a local fake. */
  endpoint?: string;
  retry?: Partial<RetryPolicy>;
  /** Budget for one call (all attempts) when the caller gives no deadline. */
  defaultBudgetMs?: number;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  log?: Logger;
  /** Awaited before every attempt (retries too), to keep a caller under IMM's per-project QPS. */
  limiter?: { acquire(): Promise<void> };
}

export interface CallOptions {
  /** Epoch ms: no attempt starts after it and each attempt's read timeout ends by it. */
  deadline?: number;
  /** The invocation's logger for retry lines (request id, per-invocation counts); else the client's. */
  log?: Logger;
}

/**
 * openapi-client is CommonJS with `exports.default = Client`. Under Node's ESM rules (vitest,
 * tsx) the default import is that class; in esbuild's CJS bundle for a "type": "module" package
 * it is the whole exports object. Take whichever holds the constructor.
 */
type OpenApiCtor = typeof OpenApi;
const openApiModule = $OpenApi as unknown as { default: OpenApiCtor | { default: OpenApiCtor } };
const OpenApiClient: OpenApiCtor =
  typeof openApiModule.default === 'function' ? openApiModule.default : openApiModule.default.default;

/** Params identical for every IMM action the album uses (cloud-reference §1.3). */
function immParams(action: string, protocol: 'HTTPS' | 'HTTP'): $OpenApi.Params {
  return new $OpenApi.Params({
    action,
    version: IMM_API_VERSION,
    protocol,
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
}

/** IMM wants objects/arrays as JSON strings (the SDK's "shrink" fields); scalars as strings. */
export function toImmQuery(input: Record<string, unknown>): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || value === null) continue;
    query[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return query;
}

export function parseEndpoint(
  endpoint: string | undefined,
  region: string,
): { host: string; protocol: 'HTTPS' | 'HTTP' } {
  if (!endpoint) return { host: `imm.${region}.aliyuncs.com`, protocol: 'HTTPS' };
  const m = /^(https?):\/\/([^/]+)\/?$/i.exec(endpoint.trim());
  if (m) return { host: m[2]!, protocol: m[1]!.toLowerCase() === 'http' ? 'HTTP' : 'HTTPS' };
  return { host: endpoint.trim().replace(/\/+$/, ''), protocol: 'HTTPS' };
}

export class ImmClient {
  private readonly api: OpenApi;
  private readonly protocol: 'HTTPS' | 'HTTP';
  private readonly retry: RetryPolicy;
  private readonly defaultBudgetMs: number;
  private readonly readTimeoutMs: number;
  readonly endpoint: string;

  /**
   * @param invocationDeadline bounds every call that has no earlier deadline of its own (the function's
   * remaining time); fixed for this client's life — `forInvocation` makes a client bound to another one.
   */
  constructor(
    private readonly opts: ImmClientOptions,
    private readonly invocationDeadline: number | null = null,
    shared?: ImmClient,
  ) {
    const { host, protocol } = parseEndpoint(opts.endpoint, opts.region);
    this.protocol = protocol;
    this.endpoint = `${protocol.toLowerCase()}://${host}`;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.defaultBudgetMs = opts.defaultBudgetMs ?? 30_000;
    this.readTimeoutMs = opts.readTimeoutMs ?? 15_000;
    this.api =
      shared?.api ??
      new OpenApiClient(
        new $OpenApi.Config({
          accessKeyId: opts.credentials.accessKeyId,
          accessKeySecret: opts.credentials.accessKeySecret,
          securityToken: opts.credentials.securityToken,
          regionId: opts.region,
          endpoint: host,
          protocol,
          connectTimeout: opts.connectTimeoutMs ?? 5_000,
          readTimeout: this.readTimeoutMs,
        }),
      );
  }

  /** The same connection and credentials, with every call bounded by one invocation's deadline. */
  forInvocation(deadline: number | null): ImmClient {
    return new ImmClient(this.opts, deadline, this);
  }

  private deadlineFor(opts?: CallOptions): number {
    const bounds = [Date.now() + this.defaultBudgetMs];
    if (this.invocationDeadline) bounds.push(this.invocationDeadline);
    if (opts?.deadline) bounds.push(opts.deadline);
    return Math.min(...bounds);
  }

  /** One IMM action with retries on throttling / 5xx / network errors. Throws ImmError. */
  async call<A extends ImmAction>(
    action: A,
    request: ImmRequest<A>,
    opts?: CallOptions,
  ): Promise<ImmResponse<A>> {
    const deadline = this.deadlineFor(opts);
    const query = toImmQuery(request as Record<string, unknown>);
    const log = opts?.log ?? this.opts.log;
    return withRetry(
      async () => {
        const remaining = deadline - Date.now();
        if (remaining <= 0)
          throw new ImmError(action, 'DeadlineExceeded', 'no time left for the call', 0, null, false);
        await this.opts.limiter?.acquire();
        const started = Date.now();
        try {
          const res = await this.api.callApi(
            immParams(action, this.protocol),
            new $OpenApi.OpenApiRequest({ query }),
            new $Util.RuntimeOptions({
              autoretry: false,
              readTimeout: Math.max(1, Math.min(this.readTimeoutMs, remaining)),
            }),
          );
          log?.debug('imm.call', { action, status: res.statusCode, ms: Date.now() - started });
          return res.body as ImmResponse<A>;
        } catch (err) {
          const e = toImmError(action, err);
          log?.debug('imm.call', { action, status: e.status, code: e.code, ms: Date.now() - started });
          throw e;
        }
      },
      this.retry,
      {
        deadline,
        retryable: (err) => err instanceof ImmError && err.retryable,
        onRetry: (err, attempt, delayMs) => {
          const e = err as ImmError;
          log?.warn('imm.retry', {
            action,
            attempt,
            delayMs,
            code: e.code,
            status: e.status,
            immRequestId: e.requestId,
          });
        },
      },
    );
  }
}
