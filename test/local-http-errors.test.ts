/**
 * A client's mistake is a 4xx naming the problem, with a request id, never a 500 or a closed socket:
 * malformed request targets, CONNECT, a file name too long for /detect, a lone UTF-16 surrogate in a
 * name. Through the real local server on a real port, with the album's own HTTP app.
 */

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PeopleListQuery } from '../src/http/api-schemas';
import { PhotosQuerySchema } from '../src/http/search-schemas';
import { createFaceEngine } from '../src/local/engine/create-face-engine';
import type { FaceEngine } from '../src/local/engine/face-engine';
import { PhotoFolder } from '../src/local/folder/photo-folder';
import { type LocalServer, startLocalServer } from '../src/local/server/local-server';
import { type Db, openDatabase } from '../src/local/store/database';
import { formatIssues } from '../src/schema/zod-issues';
import { detectApi } from './support/detect-api';
import { captureLogs } from './support/log-capture';

const dir = mkdtempSync(join(tmpdir(), 'fa-http-errors-'));
const logs = captureLogs();
let db: Db;
let server: LocalServer;
let engine: FaceEngine | undefined;

beforeAll(async () => {
  mkdirSync(join(dir, 'photos'));
  db = openDatabase(join(dir, 'data', 'album.db'));
  const app = detectApi({
    db,
    folder: new PhotoFolder(join(dir, 'photos'), logs.log),
    engine: async () => {
      engine ??= await createFaceEngine({ workers: 1 });
      return engine;
    },
    log: logs.log,
  });
  server = await startLocalServer({ app, log: logs.log, port: 0 });
});
afterAll(async () => {
  await server.close();
  await engine?.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One request written byte for byte (what curl --path-as-is / --request-target send), the answer parsed. */
function raw(
  requestLine: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((done, fail) => {
    const socket = connect(server.port, '127.0.0.1');
    let text = '';
    socket.on('data', (b) => {
      text += b;
    });
    socket.on('error', fail);
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [status, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      done({ status: Number(status?.split(' ')[1] ?? 0), headers, body });
    });
    socket.write(`${requestLine}\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`);
  });
}

const send = async (method: string, path: string, body: unknown) => {
  const res = await fetch(server.url + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { error: { message: string } } };
};

it('malformed request targets are 400s with a request id, not internal errors', async () => {
  logs.clear();
  for (const line of ['GET /a\\b HTTP/1.1', 'OPTIONS * HTTP/1.1']) {
    const res = await raw(line);
    expect({ line, status: res.status }).toEqual({ line, status: 400 });
    expect(res.headers['x-request-id']).toMatch(/.{8}/);
    expect(JSON.parse(res.body).error).toMatchObject({
      code: 'bad_request',
      requestId: res.headers['x-request-id'],
    });
  }
  expect(logs.events('http.internal_error')).toEqual([]);
  expect(logs.events('http.refused')).toHaveLength(2);
});

it('CONNECT is answered 405 with Allow, as other methods no fetch Request can carry', async () => {
  logs.clear();
  const res = await raw(`CONNECT 127.0.0.1:${server.port} HTTP/1.1`);
  expect(res.status).toBe(405);
  expect(res.headers.allow).toContain('GET');
  expect(res.headers['x-request-id']).toBeTruthy();
  expect(logs.events('http.refused')).toMatchObject([{ method: 'CONNECT', status: 405 }]);
});

it('/detect with a file name over 255 bytes is a 400 naming the problem', async () => {
  const res = await send('POST', '/detect', { uri: `${'n'.repeat(300)}.jpg` });
  expect(res.status).toBe(400);
  expect(res.body.error.message).toContain('file name too long');
  expect(JSON.stringify(res.body)).not.toContain(dir);
  expect(engine).toBeUndefined();
});

it('a lone surrogate in a name, a label or a URI is a 400 naming the field', async () => {
  const person = '/people/Cluster-00000000-0000-0000-0000-000000000000';
  for (const [method, path, body, field] of [
    ['PATCH', person, { name: '\ud83d' }, 'name'],
    ['PATCH', person, { labels: { team: 'a\udc00b' } }, 'labels'],
    ['POST', '/detect', { uri: 'x\ud83d.jpg' }, 'uri'],
    ['POST', '/people/search', { uri: 'x\ud83d.jpg' }, 'uri'],
  ] as const) {
    const res = await send(method, path, body);
    expect({ field, status: res.status }).toEqual({ field, status: 400 });
    expect(res.body.error.message).toContain(field);
    expect(res.body.error.message).toContain('surrogate');
  }
  // A query string reaches the app as UTF-8 (a lone surrogate cannot be percent-encoded), but an adapter
  // decoding it otherwise may hand one over: the query schemas refuse it by field too.
  for (const [schema, query, field] of [
    [PeopleListQuery, { q: 'ali\ud83d' }, 'q'],
    [PhotosQuerySchema, { people: 'Cluster-1,\udc00x' }, 'people'],
  ] as const) {
    const parsed = schema.safeParse(query);
    expect(parsed.success).toBe(false);
    const message = parsed.success ? '' : formatIssues(parsed.error, 'query');
    expect(message).toContain(`${field}: holds a lone UTF-16 surrogate`);
  }
  // A well-formed emoji passes validation (and the person is then simply not there).
  expect((await send('PATCH', person, { name: '\ud83d\ude00' })).status).toBe(404);
});
