import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpResult } from '../../fc/http-event';
import type { FcHandler } from '../../runtime/fc-handlers';
import { fcHttpBridge } from './fc-http-bridge';

export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves the api function's handler on 127.0.0.1 (port 0 picks a free one). */
export async function startLocalServer(
  handler: FcHandler<HttpResult>,
  port: number,
  host = '127.0.0.1',
): Promise<LocalServer> {
  const bridge = fcHttpBridge(handler);
  const server: Server = createServer((req, res) => {
    void bridge(req, res);
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
