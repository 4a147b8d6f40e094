import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { getRequestListener, RequestError } from '@hono/node-server';
import type { AlbumErrorCode } from '../../album/errors';
import { ALLOWED_METHODS } from '../../http/allowed-methods';
import { errorBody } from '../../http/error-body';
import type { Logger } from '../../log/logger';
import type { ApiApp } from '../../runtime/album-runtime';

export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface LocalServerOptions {
  /** The runtime's HTTP app: the same Hono app the api function serves behind FC's HTTP trigger. */
  app: ApiApp;
  log: Logger;
  /** 0 picks a free port. */
  port: number;
  host?: string;
}

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

/**
 * Serves the album's HTTP app on 127.0.0.1 through @hono/node-server: request and response bodies
 * stream as bytes (no FC event JSON, so no base64 on the way in or out), and the app checks the bearer
 * key before it reads a body. Only loopback Host headers are served: a web page that re-points its own
 * name at 127.0.0.1 (DNS rebinding) must not read the album.
 */
export async function startLocalServer({
  app,
  log,
  port,
  host = '127.0.0.1',
}: LocalServerOptions): Promise<LocalServer> {
  const refuse = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    code: AlbumErrorCode,
    message: string,
    headers: Record<string, string> = {},
  ) => {
    const requestId = randomUUID();
    const body = JSON.stringify(errorBody(code, message, requestId));
    res.writeHead(status, { ...headers, 'content-type': 'application/json', 'x-request-id': requestId });
    res.end(body);
    log.warn('http.refused', { requestId, method: req.method, status, reason: message });
  };
  const serve = getRequestListener((request) => app.fetch(request), {
    // The app maps its own errors; this only sees failures of the adapter itself. A request it cannot
    // turn into a fetch Request (a target like `/a\b` or `*`) is the client's mistake: a 400.
    errorHandler: (err) => {
      const requestId = randomUUID();
      const headers = { 'content-type': 'application/json', 'x-request-id': requestId };
      if (err instanceof RequestError) {
        log.warn('http.refused', { requestId, status: 400, reason: err.message });
        return new Response(
          JSON.stringify(errorBody('bad_request', `bad request: ${err.message}`, requestId)),
          {
            status: 400,
            headers,
          },
        );
      }
      log.error('http.internal_error', { requestId, error: err });
      return new Response(JSON.stringify(errorBody('internal', 'internal error', requestId)), {
        status: 500,
        headers,
      });
    },
  });
  const server: Server = createServer((req, res) => {
    if (!LOOPBACK_HOST.test(req.headers.host ?? ''))
      return refuse(req, res, 421, 'bad_request', 'the local album answers only to 127.0.0.1 / localhost');
    if (!ALLOWED_METHODS.has(req.method ?? ''))
      return refuse(req, res, 405, 'bad_request', `method ${req.method} is not allowed`, {
        allow: [...ALLOWED_METHODS].join(', '),
      });
    void serve(req, res);
  });
  // CONNECT never reaches the request handler: node hands over the raw socket, which without a
  // listener is closed unanswered.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    const requestId = randomUUID();
    const body = JSON.stringify(errorBody('bad_request', 'method CONNECT is not allowed', requestId));
    socket.end(
      [
        'HTTP/1.1 405 Method Not Allowed',
        `allow: ${[...ALLOWED_METHODS].join(', ')}`,
        'content-type: application/json',
        `content-length: ${Buffer.byteLength(body)}`,
        `x-request-id: ${requestId}`,
        'connection: close',
        '',
        body,
      ].join('\r\n'),
    );
    log.warn('http.refused', {
      requestId,
      method: req.method,
      status: 405,
      reason: 'method CONNECT is not allowed',
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
