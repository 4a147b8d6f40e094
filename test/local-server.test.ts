/** The local server: node http ⇄ the album's Hono app, on a real port with a recording app. */
import { request } from 'node:http';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOssEvent } from '../src/fc/oss-event';
import { type LocalServer, startLocalServer } from '../src/local/server/local-server';
import { toOssEvent } from '../src/local/watch/oss-event-builder';
import { captureLogs } from './support/log-capture';

const seen: { method: string; path: string; query: Record<string, string>; body: Buffer }[] = [];
const photo = Buffer.alloc(3 * 1024 * 1024, 7);
photo.set([0xff, 0xd8, 0xff, 0x00], 0);
const app = new Hono();
app.all('*', async (c) => {
  seen.push({
    method: c.req.method,
    path: c.req.path,
    query: c.req.query(),
    body: Buffer.from(await c.req.arrayBuffer()),
  });
  if (c.req.path === '/media/photo')
    return c.body(photo, 200, { 'content-type': 'image/jpeg', 'x-extra': '1' });
  return c.json({ ok: true });
});
const logs = captureLogs();
let server: LocalServer;

beforeAll(async () => {
  server = await startLocalServer({ app, log: logs.log, port: 0 });
});
afterAll(() => server.close());

describe('local server', () => {
  it('hands requests to the app with path, query and headers intact', async () => {
    const res = await fetch(`${server.url}/people/a%20b/photos?limit=5&tag=x`, {
      headers: { authorization: 'Bearer k' },
    });
    expect(res.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({
      method: 'GET',
      path: '/people/a b/photos',
      query: { limit: '5', tag: 'x' },
    });
  });

  it('carries binary bodies as bytes both ways (no base64 step)', async () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01, 0x02]);
    await fetch(`${server.url}/detect`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: bytes,
    });
    expect(seen.at(-1)!.body.equals(bytes)).toBe(true);

    const res = await fetch(`${server.url}/media/photo`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-extra')).toBe('1');
    expect(Buffer.from(await res.arrayBuffer()).equals(photo)).toBe(true);
  });

  it('answers methods no fetch Request can carry with 405 and a log line, not a silent 500', async () => {
    logs.clear();
    const status = await raw('TRACE', '/health');
    expect(status).toBe(405);
    expect(logs.events('http.refused')).toMatchObject([{ method: 'TRACE', status: 405 }]);
  });

  it('answers loopback names only (no DNS rebinding), with a log line', async () => {
    logs.clear();
    expect(await raw('GET', '/stats', `localhost:${server.port}`)).toBe(200);
    expect(await raw('GET', '/stats', `127.0.0.1:${server.port}`)).toBe(200);
    expect(await raw('GET', '/stats', `evil.example:${server.port}`)).toBe(421);
    expect(logs.events('http.refused')).toMatchObject([{ status: 421 }]);
  });
});

function raw(method: string, path: string, host?: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers: host ? { host } : {} }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

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
