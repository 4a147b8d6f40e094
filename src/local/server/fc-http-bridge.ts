import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpEvent, HttpResult } from '../../fc/http-event';
import type { FcHandler } from '../../runtime/fc-handlers';

const TEXT_BODY = /^(text\/|application\/(json|x-www-form-urlencoded|xml))/;

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RangeError(`request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A node request as the FC 3.0 HTTP trigger would deliver it (cloud-reference §3.5). */
export async function toHttpEvent(req: IncomingMessage, maxBodyBytes: number): Promise<HttpEvent> {
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const queryParameters: Record<string, string> = {};
  for (const k of new Set(url.searchParams.keys())) queryParameters[k] = url.searchParams.getAll(k).join(',');
  const body = await readBody(req, maxBodyBytes);
  const textual = TEXT_BODY.test(headers['content-type'] ?? '');
  return {
    version: 'v1',
    rawPath: url.pathname,
    body: body.length ? (textual ? body.toString('utf8') : body.toString('base64')) : null,
    isBase64Encoded: body.length > 0 && !textual,
    headers,
    queryParameters,
    requestContext: {
      domainName: headers.host,
      requestId: randomUUID(),
      http: {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        sourceIp: req.socket.remoteAddress,
      },
    },
  };
}

export function writeHttpResult(res: ServerResponse, result: HttpResult): void {
  const body = result.isBase64Encoded
    ? Buffer.from(result.body, 'base64')
    : Buffer.from(result.body ?? '', 'utf8');
  const headers = { ...result.headers, 'content-length': String(body.length) };
  delete (headers as Record<string, string>)['transfer-encoding'];
  res.writeHead(result.statusCode, headers);
  res.end(body);
}

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

/**
 * node http → FC HTTP event → the api function's handler → FC response → node response.
 * Only loopback Host headers are served: a web page that re-points its own name at 127.0.0.1 (DNS
 * rebinding) must not read the album.
 */
export function fcHttpBridge(handler: FcHandler<HttpResult>, maxBodyBytes = 32 * 1024 * 1024) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!LOOPBACK_HOST.test(req.headers.host ?? '')) {
      writeHttpResult(res, {
        statusCode: 421,
        headers: { 'content-type': 'application/json' },
        isBase64Encoded: false,
        body: JSON.stringify({
          error: { code: 'bad_request', message: 'the local album answers only to 127.0.0.1 / localhost' },
        }),
      });
      return;
    }
    try {
      const event = await toHttpEvent(req, maxBodyBytes);
      const result = await handler(Buffer.from(JSON.stringify(event)), {
        requestId: event.requestContext.requestId,
        function: { name: 'api' },
      });
      writeHttpResult(res, result);
    } catch (err) {
      const tooBig = err instanceof RangeError;
      writeHttpResult(res, {
        statusCode: tooBig ? 413 : 500,
        headers: { 'content-type': 'application/json' },
        isBase64Encoded: false,
        body: JSON.stringify({
          error: {
            code: tooBig ? 'bad_request' : 'internal',
            message: tooBig ? (err as Error).message : 'internal error',
          },
        }),
      });
    }
  };
}
