import { summarizeOutcomes } from '../album/album-service';
import { isRetryable } from '../album/errors';
import type { PhotoOutcome } from '../album/types';
import { ConfigError } from '../config/album-config';
import { type FcContext, FcContextSchema, invocationDeadline } from '../fc/fc-context';
import { fromWebResponse, HttpEventSchema, type HttpResult, toWebRequest } from '../fc/http-event';
import { MalformedEventError, parseOssEvent } from '../fc/oss-event';
import { parseTimerEvent } from '../fc/timer-event';
import { ALLOWED_METHODS } from '../http/allowed-methods';
import { errorBody } from '../http/error-body';
import { tallyEvents } from '../log/event-tally';
import type { Logger } from '../log/logger';
import type { RuntimeFactory } from './album-runtime';

/** FC 3.0 handler signature: `event` is a Buffer, `context` carries credentials and the request id. */
export type FcHandler<R> = (event: Buffer | string, context?: unknown) => Promise<R>;

/** What every handler is built from: the runtime factory of its backend and the root logger. */
export interface HandlerDeps {
  runtime: RuntimeFactory;
  log: Logger;
}

/** Margin kept before FC's hard timeout so the handler can log and return cleanly. */
const RETURN_MARGIN_MS = 5_000;

function invocation(
  root: Logger,
  fn: string,
  context: unknown,
): { ctx: FcContext; log: Logger; started: number } {
  const parsed = FcContextSchema.safeParse(context ?? {});
  const ctx = parsed.success ? parsed.data : { requestId: 'unknown' };
  return { ctx, log: root.child({ fn, requestId: ctx.requestId }), started: Date.now() };
}

/**
 * Transient failures are rethrown so FC's async retry runs again (and, once retries are spent,
 * hands the event to the failure destination). A configuration error is one of them: the event is
 * fine, the function is not, and returning would count the event as done and lose it. Only an
 * event that can never be processed (malformed) is final.
 */
function isTransient(err: unknown): boolean {
  return !(err instanceof MalformedEventError) && isRetryable(err);
}

export interface IndexerResult {
  ok: boolean;
  outcomes?: { uri: string; action: string; outcome: string }[];
  error?: string;
}

export function createIndexerHandler({ runtime, log: root }: HandlerDeps): FcHandler<IndexerResult> {
  return async (event, context) => {
    const { ctx, log, started } = invocation(root, 'indexer', context);
    const tally = tallyEvents(log);
    let events = 0;
    let outcomes: PhotoOutcome[] = [];
    try {
      const rt = await runtime(ctx);
      const changes = parseOssEvent(event, rt.keyEncoding);
      events = changes.length;
      outcomes = await rt.libraries.applyPhotoChanges(changes, tally.log);
      return { ok: true, outcomes: outcomes.map(({ uri, action, outcome }) => ({ uri, action, outcome })) };
    } catch (err) {
      return finalOrRethrow(err, log, 'indexer');
    } finally {
      // One line per invocation, also when it fails, for SLS dashboards and alerts.
      log.info('indexer.metrics', {
        events,
        ...summarizeOutcomes(outcomes),
        skipped: tally.count('photo.skipped'),
        retried: tally.count('imm.retry'),
        ms: Date.now() - started,
      });
    }
  };
}

export interface ClustererResult {
  ok: boolean;
  /** Single mode: the run's outcome. Prefix mode: failed if any library failed, skipped if none changed. */
  outcome?: string;
  taskId?: string | null;
  /** Prefix mode: each library this tick clustered, and how many changed ones it left for the next. */
  libraries?: { library: string; outcome: string; taskId: string | null }[];
  remaining?: number;
  error?: string;
}

export function createClustererHandler({ runtime, log: root }: HandlerDeps): FcHandler<ClustererResult> {
  return async (event, context) => {
    const { ctx, log, started } = invocation(root, 'clusterer', context);
    try {
      const trigger = parseTimerEvent(event);
      log.info('clustering.triggered', {
        triggerName: trigger.triggerName,
        triggerTime: trigger.triggerTime,
      });
      const rt = await runtime(ctx);
      const tick = await rt.libraries.cluster(invocationDeadline(ctx, started) - RETURN_MARGIN_MS, log);
      const failed = tick.runs.some((r) => r.run.outcome === 'failed');
      if (rt.libraries.mode === 'single') {
        const run = tick.runs[0]!.run;
        return { ok: !failed, outcome: run.outcome, taskId: run.task?.id ?? null };
      }
      return {
        ok: !failed,
        outcome: prefixOutcome(tick.runs.map((r) => r.run.outcome)),
        libraries: tick.runs.map(({ library, run }) => ({
          library: library!,
          outcome: run.outcome,
          taskId: run.task?.id ?? null,
        })),
        remaining: tick.remaining,
      };
    } catch (err) {
      return finalOrRethrow(err, log, 'clusterer');
    }
  };
}

/** One word for a tick over many libraries: any failure wins; tasks only started (IMM) are not yet "succeeded". */
function prefixOutcome(outcomes: string[]): string {
  if (outcomes.includes('failed')) return 'failed';
  if (!outcomes.length) return 'skipped';
  return outcomes.every((o) => o === 'succeeded' || o === 'skipped') ? 'succeeded' : 'started';
}

function finalOrRethrow(err: unknown, log: Logger, fn: string): { ok: false; error: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (isTransient(err)) {
    log.error('invocation.retry', { fn, error: err });
    throw err;
  }
  log.error('invocation.rejected', { fn, error: message });
  return { ok: false, error: message };
}

export function createHttpHandler({ runtime, log: root }: HandlerDeps): FcHandler<HttpResult> {
  return async (event, context) => {
    const { ctx, log } = invocation(root, 'api', context);
    let json: unknown;
    try {
      json = JSON.parse(event.toString());
    } catch {
      json = null;
    }
    const parsed = HttpEventSchema.safeParse(json);
    if (!parsed.success) {
      log.error('event.malformed', { error: parsed.error.message });
      return jsonResult(400, errorBody('bad_request', 'not an FC HTTP trigger event'));
    }
    const method = parsed.data.requestContext.http.method.toUpperCase();
    if (!ALLOWED_METHODS.has(method)) {
      log.warn('http.refused', { method, status: 405, reason: 'method not allowed' });
      return jsonResult(405, errorBody('bad_request', `method ${method} is not allowed`, ctx.requestId), {
        allow: [...ALLOWED_METHODS].join(', '),
      });
    }
    try {
      const rt = await runtime(ctx);
      const request = toWebRequest(parsed.data);
      request.headers.set('x-request-id', ctx.requestId);
      return await fromWebResponse(await rt.api.fetch(request));
    } catch (err) {
      // Only runtime construction can land here (the app maps its own errors): usually bad configuration.
      log.error('invocation.failed', { error: err });
      const message =
        err instanceof ConfigError ? 'album is misconfigured; see function logs' : 'internal error';
      return jsonResult(500, errorBody('internal', message, ctx.requestId));
    }
  };
}

function jsonResult(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}
