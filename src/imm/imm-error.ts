/**
 * One error type for every failed IMM call, carrying what IMM said (Code, Message, RequestId,
 * HTTP status) and whether trying again can help.
 */
export class ImmError extends Error {
  override readonly name = 'ImmError';
  constructor(
    readonly action: string,
    readonly code: string,
    /** IMM's own Message, without our prefix. */
    readonly immMessage: string,
    readonly status: number,
    readonly requestId: string | null,
    readonly retryable: boolean,
  ) {
    super(
      `IMM ${action} failed: ${code}${status ? ` (HTTP ${status})` : ''}: ${immMessage}${requestId ? ` [RequestId ${requestId}]` : ''}`,
    );
  }
  get throttled(): boolean {
    return isThrottling(this.code, this.immMessage, this.status);
  }
}

/**
 * IMM throttles with HTTP 400 (docs once said 403), Code `Throttling.User` (the API gateway's
 * `Throttling*` family) and Message "Request was denied due to user flow control." — the message
 * alone counts too, since the code is not documented for IMM (imm-facts §2). A 400 is normally an
 * argument error, so this check must run before any status-based classification.
 */
const FLOW_CONTROL = /flow control|throttl/i;

export function isThrottling(code: string, message: string, status: number): boolean {
  if (/^Throttling/i.test(code) || status === 429) return true;
  return (status === 0 || (status >= 400 && status < 500) || status === 503) && FLOW_CONTROL.test(message);
}

/** Network-level failures worth another attempt (connection refused/reset, timeouts, DNS hiccups). */
const NETWORK_CODES =
  /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|UND_ERR_\w+|ReadTimeout|ConnectTimeout)$/;

/** Throttling (see isThrottling), 5xx and network errors are retryable; other 4xx never are. */
export function isRetryable(code: string, status: number, message = ''): boolean {
  if (isThrottling(code, message, status)) return true;
  if (status >= 500) return true;
  if (status === 0) return NETWORK_CODES.test(code) || /timeout/i.test(code) || code === 'NetworkError';
  return false;
}

interface TeaLikeError {
  code?: unknown;
  message?: unknown;
  statusCode?: unknown;
  data?: Record<string, unknown> | null;
  name?: unknown;
}

/** Turns what openapi-client throws (a tea ResponseError, or a raw socket error) into an ImmError. */
export function toImmError(action: string, err: unknown): ImmError {
  if (err instanceof ImmError) return err;
  const e = (err ?? {}) as TeaLikeError;
  const data = e.data && typeof e.data === 'object' ? e.data : {};
  const statusRaw = e.statusCode ?? data.statusCode;
  const status = typeof statusRaw === 'number' ? statusRaw : Number(statusRaw) || 0;
  const code = String(data.Code ?? e.code ?? (status ? `HTTP${status}` : 'NetworkError'));
  const message = String(
    data.Message ?? data.message ?? (typeof e.message === 'string' ? e.message : 'unknown error'),
  );
  const requestId = typeof data.RequestId === 'string' ? data.RequestId : null;
  return new ImmError(action, code, message, status, requestId, isRetryable(code, status, message));
}
