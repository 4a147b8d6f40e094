import { describe, expect, it } from 'vitest';
import { fromWebResponse, HttpEventSchema, toWebRequest } from '../src/fc/http-event';
import { decodeEventKey, MalformedEventError, parseOssEvent } from '../src/fc/oss-event';
import { parseTimerEvent } from '../src/fc/timer-event';

const record = (eventName: string, key: string) => ({
  eventName,
  eventSource: 'acs:oss',
  eventTime: '2017-04-21T12:46:37.000Z',
  eventVersion: '1.0',
  region: 'cn-shanghai',
  oss: {
    bucket: {
      arn: 'acs:oss:cn-shanghai:123456789:bucketname',
      name: 'testbucket',
      ownerIdentity: '123456789',
    },
    object: { deltaSize: 122539, eTag: '688A7BF4F233DC9C88A80BF985AB7329', key, size: 122539 },
    ossSchemaVersion: '1.0',
  },
});

describe('OSS event', () => {
  it('turns created and removed records into changes, with or without the oss: prefix', () => {
    const changes = parseOssEvent(
      Buffer.from(
        JSON.stringify({
          events: [
            record('ObjectCreated:PutObject', 'photos/a.jpg'),
            record('oss:ObjectRemoved:DeleteObject', 'photos/b.jpg'),
          ],
        }),
      ),
    );
    expect(changes).toEqual([
      { kind: 'created', bucket: 'testbucket', key: 'photos/a.jpg', eventName: 'ObjectCreated:PutObject' },
      {
        kind: 'removed',
        bucket: 'testbucket',
        key: 'photos/b.jpg',
        eventName: 'oss:ObjectRemoved:DeleteObject',
      },
    ]);
  });
  it('rejects non-JSON, wrong shapes and unknown event names with a clear message', () => {
    expect(() => parseOssEvent('not json')).toThrow(MalformedEventError);
    expect(() => parseOssEvent('{"events":[]}')).toThrow(/events/);
    expect(() =>
      parseOssEvent(JSON.stringify({ events: [{ eventName: 'ObjectCreated:PutObject' }] })),
    ).toThrow(/oss/);
    expect(() =>
      parseOssEvent(JSON.stringify({ events: [record('ObjectModified:UpdateObjectMeta', 'photos/a.jpg')] })),
    ).toThrow(/unsupported/);
  });
  it('keeps raw keys with spaces, Chinese, + and a literal % untouched in auto mode', () => {
    for (const key of ['photos/a b.jpg', 'photos/照片 1.jpg', 'photos/a+b.jpg', 'photos/100% real.jpg'])
      expect(decodeEventKey(key)).toBe(key);
  });
  it('decodes keys that are URL-encoded', () => {
    expect(decodeEventKey('photos/%E7%85%A7%E7%89%87%201.jpg')).toBe('photos/照片 1.jpg');
    expect(decodeEventKey('photos/a%2Bb.jpg')).toBe('photos/a+b.jpg');
    expect(decodeEventKey('photos/a%2Bb.jpg', 'raw')).toBe('photos/a%2Bb.jpg');
    expect(decodeEventKey('photos/%E0%A4%A.jpg', 'url')).toBe('photos/%E0%A4%A.jpg');
  });
});

describe('timer event', () => {
  it('parses the documented shape and tolerates an empty manual invocation', () => {
    expect(
      parseTimerEvent(
        Buffer.from(
          '{"triggerTime":"2023-12-26T07:49:00Z","triggerName":"timer-trigger","payload":"awesome-fc"}',
        ),
      ).triggerName,
    ).toBe('timer-trigger');
    expect(parseTimerEvent(Buffer.from(''))).toEqual({});
    expect(() => parseTimerEvent('{"triggerName":5}')).toThrow(/wrong shape/);
  });
});

describe('HTTP event adapter', () => {
  const event = HttpEventSchema.parse({
    version: 'v1',
    rawPath: '/people/Cluster-1%2Fx/photos',
    body: Buffer.from('{"a":1}').toString('base64'),
    isBase64Encoded: true,
    headers: { host: 'abc.cn-hangzhou.fcapp.run', 'content-type': 'application/json' },
    queryParameters: { limit: '5', uri: 'oss://b/a b.jpg' },
    requestContext: {
      domainName: 'abc.cn-hangzhou.fcapp.run',
      http: { method: 'POST', path: '/people/Cluster-1/x/photos' },
    },
  });
  it('builds a Request with the encoded path, query, headers and decoded body', async () => {
    const req = toWebRequest(event);
    const url = new URL(req.url);
    expect(url.pathname).toBe('/people/Cluster-1%2Fx/photos');
    expect(url.searchParams.get('uri')).toBe('oss://b/a b.jpg');
    expect(req.headers.get('content-type')).toBe('application/json');
    expect(await req.json()).toEqual({ a: 1 });
  });
  it('returns text bodies as text and binary bodies as base64', async () => {
    const json = await fromWebResponse(
      new Response('{"ok":true}', { status: 201, headers: { 'content-type': 'application/json' } }),
    );
    expect(json).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json' },
      body: '{"ok":true}',
      isBase64Encoded: false,
    });
    const png = await fromWebResponse(
      new Response(new Uint8Array([0x89, 0x50]), { headers: { 'content-type': 'image/png' } }),
    );
    expect(png.isBase64Encoded).toBe(true);
    expect(Buffer.from(png.body, 'base64')).toEqual(Buffer.from([0x89, 0x50]));
  });
});
