import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlbumError } from '../src/album/errors';
import type { ImmConfig } from '../src/config/imm-config';
import { ImmBackend } from '../src/imm/imm-backend';
import { ImmClient } from '../src/imm/imm-client';
import { OssFrameObjects } from '../src/imm/oss-frame-objects';
import { createLogger } from '../src/log/logger';
import { type FakeImm, goodFace, startFakeImm } from './fake-imm/fake-imm';
import { type FakeOss, startFakeOss } from './fake-oss/fake-oss';
import { TEST_IMM_CONFIG } from './support/imm-test-config';

/**
 * The cloud side of videos through real HTTP fakes: DetectMediaMeta → CreateMediaConvertTask (one snapshot
 * per time into .album-frames/) → GetTask → frames written to the (fake) bucket → BatchIndexFileMeta of the
 * frames with the video and time in CustomLabels; removal takes entries and objects away.
 */
const BUCKET = 'testbucket';
const config: ImmConfig = { ...TEST_IMM_CONFIG, retry: { ...TEST_IMM_CONFIG.retry, maxAttempts: 3 } };
const lines: { event: string; [k: string]: unknown }[] = [];
const log = createLogger({ write: (line) => lines.push(JSON.parse(line)) });
let fake: FakeImm;
let oss: FakeOss;
let client: ImmClient;
let frames: OssFrameObjects;

const backend = (opts: { deadlineMs?: number; skipAnalysed?: boolean } = {}) =>
  new ImmBackend({
    client,
    config,
    poll: config.poll,
    video: {
      frames,
      deadline: () => Date.now() + (opts.deadlineMs ?? 30_000),
      ...(opts.skipAnalysed ? { skipAnalysed: true } : {}),
    },
  });
const dataset = () => fake.state.dataset('p', 'd');
const framesOf = (videoKey: string) =>
  [...dataset().files.values()]
    .filter((f) => f.URI.startsWith(`oss://${BUCKET}/.album-frames/${videoKey}/`))
    .sort((a, b) => (a.URI < b.URI ? -1 : 1));

beforeAll(async () => {
  fake = await startFakeImm({ project: 'p', dataset: 'd', mediaConvertDelayMs: 20 });
  oss = await startFakeOss(BUCKET);
  // What IMM writes into the bucket appears in the fake OSS, as it would in the real one.
  fake.onObjectWritten((uri) => oss.keys.add(uri.replace(`oss://${BUCKET}/`, '')));
  client = new ImmClient({
    region: 'cn-hangzhou',
    credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' },
    endpoint: fake.endpoint,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
  });
  frames = new OssFrameObjects({
    region: 'cn-hangzhou',
    credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' },
    endpoint: oss.endpoint,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
  });
});
afterAll(async () => {
  await fake.close();
  await oss.close();
});
beforeEach(() => {
  lines.length = 0;
  fake.state.behaviour.mediaConvertDelayMs = 20;
});

describe('video indexing on IMM (frames)', () => {
  it('captures a frame in the middle of each 2 s slice and indexes them with video and time', async () => {
    const uri = `oss://${BUCKET}/photos/clip.mp4`;
    fake.seedVideo(uri, {
      duration: 10,
      produceTime: '2026-06-01T10:00:00Z',
      appearances: [{ from: 0, to: 6, figure: goodFace('alice') }],
    });
    const out = await backend().indexPhotos([uri], log);
    expect(out).toEqual([{ uri, action: 'index', outcome: 'submitted' }]);

    const task = fake.requestsFor('CreateMediaConvertTask').at(-1)!;
    const targets = task.params!.Targets as { Image: { Snapshots: Record<string, unknown>[] } }[];
    expect(task.params!.Sources).toEqual([{ URI: uri }]);
    expect(targets[0]!.Image.Snapshots).toEqual(
      [1, 3, 5, 7, 9].map((t) => ({
        Format: 'jpg',
        URI: `oss://${BUCKET}/.album-frames/photos/clip.mp4/${String(t * 1000).padStart(9, '0')}.jpg`,
        StartTime: t,
        Number: 1,
      })),
    );
    // The complex fields travel as JSON strings in the query, like every IMM shrink field.
    expect(typeof task.query.Targets).toBe('string');

    const files = framesOf('photos/clip.mp4');
    expect(files.map((f) => f.CustomLabels?.album_time)).toEqual(['1', '3', '5', '7', '9']);
    expect(files.every((f) => f.CustomLabels?.album_video === uri)).toBe(true);
    expect(files[0]!.CustomLabels).toMatchObject({
      album_step: '2',
      album_duration: '10',
      album_taken_at: '2026-06-01T10:00:00Z',
      album_width: '1920',
      album_height: '1080',
    });
    // alice is on the frames at 1, 3 and 5 s; the video itself is never an entry of the dataset.
    expect(files.map((f) => f.Figures?.length)).toEqual([1, 1, 1, 0, 0]);
    expect(dataset().files.has(uri)).toBe(false);
  });

  it('stores a portrait clip upright (rotation swaps width and height)', async () => {
    const uri = `oss://${BUCKET}/photos/portrait.mov`;
    fake.seedVideo(uri, { duration: 4, width: 1920, height: 1080, rotate: '90', appearances: [] });
    await backend().indexPhotos([uri], log);
    expect(framesOf('photos/portrait.mov')[0]!.CustomLabels).toMatchObject({
      album_width: '1080',
      album_height: '1920',
    });
  });

  it('bounds the frames of a long video and refuses what is no video, each with a reason', async () => {
    const long = `oss://${BUCKET}/photos/long.mp4`;
    fake.seedVideo(long, { duration: 600, appearances: [] });
    const audio = `oss://${BUCKET}/photos/voice.m4v`;
    fake.seedVideo(audio, { duration: 30, audioOnly: true, appearances: [] });
    const corrupt = `oss://${BUCKET}/photos/broken.mp4`;
    fake.seedVideo(corrupt, { duration: 5, unreadable: true, appearances: [] });
    // The container says 2 h, the file holds 3 s: no planned frame lies in what it holds.
    const liar = `oss://${BUCKET}/photos/liar.mp4`;
    fake.seedVideo(liar, { duration: 7200, contentSeconds: 3, appearances: [] });
    const failing = `oss://${BUCKET}/photos/hevc.mov`;
    fake.seedVideo(failing, {
      duration: 8,
      failCapture: { code: 'InvalidFile.Decode', message: 'decoder error' },
      appearances: [],
    });
    const out = await backend().indexPhotos([long, audio, corrupt, liar, failing], log);
    expect(out.map((o) => [o.outcome, o.reason])).toEqual([
      ['submitted', undefined],
      ['rejected', 'audio only: no video stream'],
      ['rejected', expect.stringContaining('not a readable video: InvalidFile')],
      ['rejected', 'IMM captured no frame from it'],
      ['rejected', 'frame capture failed: InvalidFile.Decode: decoder error'],
    ]);
    expect(framesOf('photos/long.mp4')).toHaveLength(30);
    expect(framesOf('photos/liar.mp4')).toHaveLength(0);
    expect(lines.some((l) => l.event === 'video.capture_failed' && l.code === 'InvalidFile.Decode')).toBe(
      true,
    );
  });

  it('fails loudly while the task still runs at the deadline; the retry waits for the same task', async () => {
    const uri = `oss://${BUCKET}/photos/slow.mp4`;
    fake.seedVideo(uri, { duration: 6, appearances: [{ from: 0, to: 6, figure: goodFace('bob') }] });
    fake.state.behaviour.mediaConvertDelayMs = Number.POSITIVE_INFINITY;
    const created = fake.requestsFor('CreateMediaConvertTask').length;
    // 10 s are kept after polling: a deadline 10.05 s away allows one GetTask only.
    const err = await backend({ deadlineMs: 10_050 })
      .indexPhotos([uri], log)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlbumError);
    expect((err as AlbumError).code).toBe('upstream_error');
    expect((err as AlbumError).message).toContain('still being captured');
    expect(framesOf('photos/slow.mp4')).toHaveLength(0);

    fake.state.completeTasks();
    const out = await backend().indexPhotos([uri], log);
    expect(out[0]!.outcome).toBe('submitted');
    expect(fake.requestsFor('CreateMediaConvertTask').length).toBe(created + 1);
    expect(lines.some((l) => l.event === 'video.capture_resumed')).toBe(true);
    expect(framesOf('photos/slow.mp4')).toHaveLength(3);
  });

  it('re-analyses a video changed in place and drops the frames of its old version', async () => {
    const uri = `oss://${BUCKET}/photos/edit.mp4`;
    fake.seedVideo(uri, { duration: 10, appearances: [] });
    await backend().indexPhotos([uri], log);
    expect(framesOf('photos/edit.mp4')).toHaveLength(5);
    fake.seedVideo(uri, { duration: 4, appearances: [] });
    await backend().indexPhotos([uri], log);
    expect(framesOf('photos/edit.mp4').map((f) => f.CustomLabels?.album_time)).toEqual(['1', '3']);
    expect([...oss.keys].filter((k) => k.startsWith('.album-frames/photos/edit.mp4/')).sort()).toEqual([
      '.album-frames/photos/edit.mp4/000001000.jpg',
      '.album-frames/photos/edit.mp4/000003000.jpg',
    ]);
  });

  it('backfill leaves an analysed video alone', async () => {
    const uri = `oss://${BUCKET}/photos/clip.mp4`;
    const created = fake.requestsFor('CreateMediaConvertTask').length;
    const out = await backend({ skipAnalysed: true }).indexPhotos([uri], log);
    expect(out[0]).toMatchObject({ outcome: 'unchanged' });
    expect(fake.requestsFor('CreateMediaConvertTask').length).toBe(created);
  });

  it('removing a video removes its frames: dataset entries and objects', async () => {
    const uri = `oss://${BUCKET}/photos/gone.mp4`;
    fake.seedVideo(uri, { duration: 6, appearances: [{ from: 0, to: 6, figure: goodFace('carol') }] });
    await backend().indexPhotos([uri], log);
    expect(framesOf('photos/gone.mp4')).toHaveLength(3);
    const out = await backend().removePhotos([uri, `oss://${BUCKET}/photos/a-photo.jpg`], log);
    expect(out.map((o) => o.outcome)).toEqual(['done', 'done']);
    expect(framesOf('photos/gone.mp4')).toHaveLength(0);
    expect([...oss.keys].some((k) => k.startsWith('.album-frames/photos/gone.mp4/'))).toBe(false);
    expect(oss.deleted.filter((k) => k.startsWith('.album-frames/photos/gone.mp4/'))).toHaveLength(3);
    // a second delivery of the same removal is harmless
    expect((await backend().removePhotos([uri], log))[0]!.outcome).toBe('done');
    // uploaded again at once: the earlier task's frames are gone, so it is captured anew
    const again = await backend().indexPhotos([uri], log);
    expect(again[0]!.outcome).toBe('submitted');
    expect(framesOf('photos/gone.mp4')).toHaveLength(3);
  });

  it('a missing dataset is a setup error (kept for retry), or is made first with IMM_AUTO_CREATE', async () => {
    const uri = `oss://${BUCKET}/photos/first.mp4`;
    fake.seedVideo(uri, { duration: 4, appearances: [] });
    const video = { frames, deadline: () => Date.now() + 30_000 };
    const strict = new ImmBackend({
      client,
      config: { ...config, dataset: 'nope' },
      poll: config.poll,
      video,
    });
    const err = await strict.indexPhotos([uri], log).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ConfigError');
    expect((err as Error).message).toContain('dataset "nope" does not exist');
    const created = fake.requestsFor('CreateMediaConvertTask').length;
    const auto = new ImmBackend({
      client,
      config: { ...config, dataset: 'fresh', autoCreate: true },
      poll: config.poll,
      video,
    });
    expect((await auto.indexPhotos([uri], log))[0]!.outcome).toBe('submitted');
    expect(fake.state.dataset('p', 'fresh').files.size).toBe(2);
    // The retry after creating the dataset used the task that had already captured the frames.
    expect(fake.requestsFor('CreateMediaConvertTask').length).toBe(created);
  });

  it('a backend without frame access (the API) refuses to analyse a video', async () => {
    const api = new ImmBackend({ client, config, poll: config.poll });
    const out = await api.indexPhotos([`oss://${BUCKET}/photos/clip.mp4`], log);
    expect(out[0]).toMatchObject({ outcome: 'rejected' });
  });
});
