import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImmClient, parseEndpoint, toImmQuery } from '../src/imm/imm-client';
import { ImmError, toImmError } from '../src/imm/imm-error';
import { toAlbumError } from '../src/imm/imm-errors-map';
import { backoffDelay, withRetry } from '../src/imm/retry';
import { type FakeImm, goodFace, startFakeImm } from './fake-imm/fake-imm';

const P = 'album_p';
const D = 'album_d';
const creds = {
  accessKeyId: 'STS.testkey',
  accessKeySecret: 'secret-value',
  securityToken: 'sts-token-value',
};

let fake: FakeImm;
let client: ImmClient;

beforeAll(async () => {
  fake = await startFakeImm({ project: P, dataset: D });
  client = new ImmClient({
    region: 'cn-shanghai',
    credentials: creds,
    endpoint: fake.endpoint,
    retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 4 },
  });
});
afterAll(() => fake.close());

const last = () => fake.requests[fake.requests.length - 1]!;

describe('ImmClient wire format (what @alicloud/imm20200930 sends)', () => {
  it('sends POST / with the action and version headers, signed, with parameters only in the query', async () => {
    await client.call('GetDataset', { ProjectName: P, DatasetName: D, WithStatistics: true });
    const r = last();
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/');
    expect(r.action).toBe('GetDataset');
    expect(r.version).toBe('2020-09-30');
    expect(r.bodyLength).toBe(0);
    expect(r.query).toEqual({ ProjectName: P, DatasetName: D, WithStatistics: 'true' });
    expect(String(r.headers.authorization)).toMatch(/^ACS3-HMAC-SHA256 Credential=STS\.testkey,/);
    expect(r.headers['x-acs-security-token']).toBe('sts-token-value');
    expect(r.status).toBe(200);
  });

  it('JSON-encodes complex fields with PascalCase wire names', async () => {
    await client.call('BatchIndexFileMeta', {
      ProjectName: P,
      DatasetName: D,
      Files: [{ URI: 'oss://bkt/photos/a b+c%.jpg', CustomLabels: { k: 'v' } }],
    });
    expect(last().query.Files).toBe(
      JSON.stringify([{ URI: 'oss://bkt/photos/a b+c%.jpg', CustomLabels: { k: 'v' } }]),
    );
    await client.call('SimpleQuery', {
      ProjectName: P,
      DatasetName: D,
      Query: { Field: 'Figures.FigureClusterId', Operation: 'eq', Value: 'Cluster-1' },
      WithFields: ['URI', 'Figures'],
      MaxResults: 10,
    });
    expect(last().query).toEqual({
      ProjectName: P,
      DatasetName: D,
      MaxResults: '10',
      Query: '{"Field":"Figures.FigureClusterId","Operation":"eq","Value":"Cluster-1"}',
      WithFields: '["URI","Figures"]',
    });
    await client.call('ListTasks', {
      ProjectName: P,
      TaskTypes: ['FaceClustering'],
      Status: 'Running',
      TagSelector: 'album_dataset=d',
      Sort: 'StartTime',
      Order: 'desc',
      MaxResults: 1,
    });
    expect(last().query.TaskTypes).toBe('["FaceClustering"]');
    expect(last().status).toBe(200);
  });

  it('covers every action the album uses with parameters the fake accepts', async () => {
    fake.seedFaces('oss://bkt/photos/x.jpg', [goodFace('x')]);
    const pd = { ProjectName: P, DatasetName: D };
    await client.call('CreateProject', {
      ProjectName: 'other_p',
      TemplateId: 'Official:FaceManagement',
      ServiceRole: 'AliyunIMMDefaultRole',
    });
    await client.call('GetProject', { ProjectName: 'other_p' });
    await client.call('CreateDataset', {
      ProjectName: 'other_p',
      DatasetName: 'd2',
      TemplateId: 'Official:FaceManagement',
    });
    await client.call('IndexFileMeta', { ...pd, File: { URI: 'oss://bkt/photos/x.jpg' } });
    const meta = await client.call('GetFileMeta', {
      ...pd,
      URI: 'oss://bkt/photos/x.jpg',
      WithFields: ['URI', 'Figures'],
    });
    expect(meta.Files?.[0]?.Figures?.[0]?.FigureClusterId).toBe('figure-cluster-id-unavailable');
    const faces = await client.call('DetectImageFaces', {
      ProjectName: P,
      SourceURI: 'oss://bkt/photos/x.jpg',
    });
    expect(faces.Faces?.[0]?.Boundary?.Width).toBe(200);
    const task = await client.call('CreateFigureClusteringTask', { ...pd, Tags: { album_dataset: D } });
    expect(last().query.Tags).toBe(`{"album_dataset":"${D}"}`);
    const got = await client.call('GetTask', {
      ProjectName: P,
      TaskId: task.TaskId,
      TaskType: 'FaceClustering',
    });
    expect(got.TaskId).toBe(task.TaskId);
    const clusters = await client.call('QueryFigureClusters', {
      ...pd,
      WithTotalCount: true,
      CreateTimeRange: { Start: '2020-01-01T00:00:00Z' },
    });
    expect(clusters.TotalCount).toBe(0);
    await client.call('DeleteFileMeta', { ...pd, URI: 'oss://bkt/photos/x.jpg' });
    await client.call('BatchDeleteFileMeta', { ...pd, URIs: ['oss://bkt/photos/never.jpg'] });
    for (const r of fake.requests) expect(r.status, `${r.action} ${r.code}`).toBe(200);
  });
});

/** HTTP statuses the fake answered to GetProject since request number `before`. */
const getProjectStatuses = (before: number) =>
  fake
    .requestsFor('GetProject')
    .slice(before)
    .map((c) => c.status);

describe('ImmClient errors and retries', () => {
  it('retries throttling as IMM sends it (HTTP 400 Throttling.User) then succeeds', async () => {
    const before = fake.requestsFor('GetProject').length;
    fake.failNext('GetProject', 2);
    const res = await client.call('GetProject', { ProjectName: P });
    expect(res.Project.ProjectName).toBe(P);
    const calls = fake.requestsFor('GetProject').slice(before);
    expect(calls.map((c) => c.status)).toEqual([400, 400, 200]);
    expect(calls.map((c) => c.code)).toEqual(['Throttling.User', 'Throttling.User', null]);
  });

  it('recognises throttling by its message under another code, never as an argument error', async () => {
    const before = fake.requestsFor('GetProject').length;
    fake.failNext('GetProject', 1, {
      status: 400,
      code: 'Throttling',
      message: 'Request was denied due to user flow control.',
    });
    fake.failNext('GetProject', 1, {
      status: 400,
      code: 'InvalidArgument',
      message: 'Request was denied due to user flow control.',
    });
    fake.failNext('GetProject', 1, { status: 429, code: 'TooManyRequests', message: 'slow down' });
    await client.call('GetProject', { ProjectName: P });
    expect(getProjectStatuses(before)).toEqual([400, 400, 429, 200]);
    const err = toImmError('X', {
      statusCode: 400,
      data: { Code: 'Foo', Message: 'Request was denied due to user flow control.', statusCode: 400 },
    });
    expect([err.retryable, err.throttled]).toEqual([true, true]);
    expect(toAlbumError(err)).toMatchObject({ code: 'too_many_requests' });
    const arg = toImmError('X', {
      statusCode: 400,
      data: { Code: 'InvalidArgument', Message: 'bad', statusCode: 400 },
    });
    expect([arg.retryable, arg.throttled]).toEqual([false, false]);
    expect(toAlbumError(arg)).toMatchObject({ code: 'bad_request' });
  });

  it('retries 503 and Throttling codes on other statuses', async () => {
    const before = fake.requestsFor('GetProject').length;
    fake.failNext('GetProject', 1, { status: 503, code: 'ServiceUnavailable', message: 'busy' });
    fake.failNext('GetProject', 1, { status: 400, code: 'Throttling.Api', message: 'slow down' });
    await client.call('GetProject', { ProjectName: P });
    expect(getProjectStatuses(before)).toEqual([503, 400, 200]);
  });

  it('does not retry InvalidArgument and carries Code, Message, RequestId, status', async () => {
    const before = fake.requests.length;
    const err = await client
      .call('BatchIndexFileMeta', {
        ProjectName: P,
        DatasetName: D,
        Files: [{ URI: 'https://not-oss/x.jpg' }],
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ImmError);
    expect(err.code).toBe('InvalidArgument');
    expect(err.status).toBe(400);
    expect(err.retryable).toBe(false);
    expect(err.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(err.immMessage).toContain('not a valid OSS URI');
    expect(fake.requests.length - before).toBe(1);
  });

  it('reports a missing required parameter as IMM does', async () => {
    const err = await client.call('GetDataset', { ProjectName: P } as never).catch((e) => e);
    expect(err.code).toBe('MissingDatasetName');
    expect(err.retryable).toBe(false);
  });

  it('gives up after the attempt cap', async () => {
    const before = fake.requestsFor('GetProject').length;
    fake.failNext('GetProject', 10, { status: 503, code: 'ServiceUnavailable' });
    const err = await client.call('GetProject', { ProjectName: P }).catch((e) => e);
    expect(err).toBeInstanceOf(ImmError);
    expect(err.status).toBe(503);
    expect(err.retryable).toBe(true);
    expect(fake.requestsFor('GetProject').length - before).toBe(4);
    fake.clearFaults();
  });

  it('respects the deadline: no new attempt once it has passed', async () => {
    const slow = new ImmClient({
      region: 'cn-shanghai',
      credentials: creds,
      endpoint: fake.endpoint,
      retry: { baseDelayMs: 200, maxDelayMs: 400, maxAttempts: 50 },
    });
    fake.failNext('GetDataset', 1000, { status: 429 });
    const started = Date.now();
    const err = await slow
      .call('GetDataset', { ProjectName: P, DatasetName: D }, { deadline: Date.now() + 700 })
      .catch((e) => e);
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(ImmError);
    expect(err.throttled).toBe(true);
    expect(took).toBeLessThan(1_500);
    expect(fake.requestsFor('GetDataset').filter((r) => r.status === 429).length).toBeLessThan(50);
    fake.clearFaults();
  });

  it('treats a refused connection as a retryable network error', async () => {
    const dead = new ImmClient({
      region: 'cn-shanghai',
      credentials: creds,
      endpoint: 'http://127.0.0.1:9',
      retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 },
    });
    const err = await dead.call('GetProject', { ProjectName: P }).catch((e) => e);
    expect(err).toBeInstanceOf(ImmError);
    expect(err.status).toBe(0);
    expect(err.retryable).toBe(true);
  });
});

describe('client helpers', () => {
  it('encodes the query like the SDK: scalars as strings, objects as JSON, nulls dropped', () => {
    expect(toImmQuery({ A: 1, B: true, C: { X: 1 }, D: ['a'], E: undefined, F: null })).toEqual({
      A: '1',
      B: 'true',
      C: '{"X":1}',
      D: '["a"]',
    });
  });
  it('derives the endpoint', () => {
    expect(parseEndpoint(undefined, 'cn-beijing')).toEqual({
      host: 'imm.cn-beijing.aliyuncs.com',
      protocol: 'HTTPS',
    });
    expect(parseEndpoint('http://127.0.0.1:8080', 'x')).toEqual({ host: '127.0.0.1:8080', protocol: 'HTTP' });
    expect(parseEndpoint('imm-vpc.cn-beijing-gov-1.aliyuncs.com', 'x').protocol).toBe('HTTPS');
  });
  it('full jitter stays under the exponential ceiling', () => {
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, policy, () => 0.999)).toBeLessThan(100);
    expect(backoffDelay(3, policy, () => 0.999)).toBe(799);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
  });
  it('withRetry never retries what is not retryable', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('no');
        },
        { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 1 },
        { deadline: Date.now() + 1000, retryable: () => false },
      ),
    ).rejects.toThrow('no');
    expect(calls).toBe(1);
  });
  it('maps a tea ResponseError shape', () => {
    const e = toImmError('X', {
      code: 'Throttling.User',
      statusCode: 429,
      data: { Code: 'Throttling.User', Message: 'm', RequestId: 'R1', statusCode: 429 },
    });
    expect([e.code, e.status, e.requestId, e.retryable, e.throttled]).toEqual([
      'Throttling.User',
      429,
      'R1',
      true,
      true,
    ]);
  });
});
