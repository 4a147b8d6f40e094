import { z } from 'zod';

/** FC 3.0 HTTP trigger event and response (cloud-reference §3.5). */
export const HttpEventSchema = z.object({
  version: z.string().optional(),
  rawPath: z.string(),
  body: z.string().optional().nullable(),
  isBase64Encoded: z.boolean().optional(),
  headers: z.record(z.string(), z.string()).optional().default({}),
  queryParameters: z.record(z.string(), z.string()).optional().default({}),
  requestContext: z.object({
    domainName: z.string().optional(),
    requestId: z.string().optional(),
    http: z.object({ method: z.string(), path: z.string().optional(), sourceIp: z.string().optional() }),
  }),
});
export type HttpEvent = z.infer<typeof HttpEventSchema>;

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** Builds a Web Request from the event. `rawPath` is still URL-encoded, which is what a URL wants. */
export function toWebRequest(event: HttpEvent): Request {
  const host = event.headers.host ?? event.headers.Host ?? event.requestContext.domainName ?? 'localhost';
  const url = new URL(`https://${host}${event.rawPath.startsWith('/') ? '' : '/'}${event.rawPath}`);
  for (const [k, v] of Object.entries(event.queryParameters)) url.searchParams.set(k, v);
  const method = event.requestContext.http.method.toUpperCase();
  const headers = new Headers();
  for (const [k, v] of Object.entries(event.headers)) headers.set(k, v);
  let body: BodyInit | undefined;
  if (event.body && method !== 'GET' && method !== 'HEAD') {
    body = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
  }
  return new Request(url, { method, headers, body });
}

const TEXTUAL = /^(text\/|application\/(json|problem\+json|javascript|xml))/;

export async function fromWebResponse(res: Response): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    headers[k] = v;
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const textual = TEXTUAL.test(res.headers.get('content-type') ?? 'text/plain');
  return {
    statusCode: res.status,
    headers,
    body: textual ? bytes.toString('utf8') : bytes.toString('base64'),
    isBase64Encoded: !textual,
  };
}
