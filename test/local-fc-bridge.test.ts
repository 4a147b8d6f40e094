/** The local server's node ⇄ FC 3.0 HTTP event bridge, on a real port with a recording handler. */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpEvent, HttpEventSchema, type HttpResult } from '../src/fc/http-event';
import { parseOssEvent } from '../src/fc/oss-event';
import { type LocalServer, startLocalServer } from '../src/local/server/local-server';
import { toOssEvent } from '../src/local/watch/oss-event-builder';

const seen: { event: HttpEvent; context: unknown }[] = [];
let reply: HttpResult = {
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"ok":true}',
  isBase64Encoded: false,
};
let server: LocalServer;

beforeAll(async () => {
  server = await startLocalServer(async (raw, context) => {
    seen.push({ event: HttpEventSchema.parse(JSON.parse(raw.toString())), context });
    return reply;
  }, 0);
});
afterAll(() => server.close());

describe('FC HTTP bridge', () => {
  it('delivers requests as FC 3.0 HTTP trigger events', async () => {
    const res = await fetch(`${server.url}/people/a%20b/photos?limit=5&tag=x&tag=y`, {
      headers: { 'x-multi': 'v1', authorization: 'Bearer k' },
    });
    expect(res.status).toBe(200);
    const { event, context } = seen.at(-1)!;
    expect(event.rawPath).toBe('/people/a%20b/photos');
    expect(event.requestContext.http).toMatchObject({ method: 'GET', path: '/people/a b/photos' });
    expect(event.queryParameters).toEqual({ limit: '5', tag: 'x,y' });
    expect(event.headers.authorization).toBe('Bearer k');
    expect(event.body ?? null).toBeNull();
    expect(context).toMatchObject({ requestId: event.requestContext.requestId, function: { name: 'api' } });
  });

  it('carries binary bodies base64-encoded and text bodies as text, both ways', async () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01, 0x02]);
    await fetch(`${server.url}/detect`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: bytes,
    });
    const upload = seen.at(-1)!.event;
    expect(upload.isBase64Encoded).toBe(true);
    expect(Buffer.from(upload.body!, 'base64').equals(bytes)).toBe(true);

    await fetch(`${server.url}/people/merge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"from":["a"],"into":"b"}',
    });
    expect(seen.at(-1)!.event).toMatchObject({ isBase64Encoded: false, body: '{"from":["a"],"into":"b"}' });

    reply = {
      statusCode: 201,
      headers: { 'content-type': 'image/jpeg', 'x-extra': '1' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    };
    const res = await fetch(`${server.url}/media/photo`);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-extra')).toBe('1');
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });
});

describe('FC HTTP bridge host check', () => {
  it('answers loopback names only (no DNS rebinding)', async () => {
    reply = {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{}',
      isBase64Encoded: false,
    };
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${server.url}/stats`, { headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status(`localhost:${server.port}`)).toBe(200);
    expect(await status(`127.0.0.1:${server.port}`)).toBe(200);
    expect(await status(`evil.example:${server.port}`)).toBe(421);
  });
});

describe('OSS events built from folder changes', () => {
  it("parse back through the indexer's own parser, odd keys unchanged", () => {
    const event = toOssEvent(
      [
        { kind: 'created', key: 'trips/2003/a b+c %41 照片.jpg', size: 10 },
        { kind: 'removed', key: 'old.jpg' },
      ],
      'local',
    );
    expect(event.events[0]).toMatchObject({
      eventName: 'ObjectCreated:PutObject',
      oss: { bucket: { name: 'local' }, object: { size: 10 } },
    });
    expect(parseOssEvent(JSON.stringify(event), 'raw')).toEqual([
      {
        kind: 'created',
        bucket: 'local',
        key: 'trips/2003/a b+c %41 照片.jpg',
        eventName: 'ObjectCreated:PutObject',
      },
      { kind: 'removed', bucket: 'local', key: 'old.jpg', eventName: 'ObjectRemoved:DeleteObject' },
    ]);
  });
});
