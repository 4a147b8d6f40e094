import { describe, expect, it } from 'vitest';
import { isClusterable } from '../src/album/clusterable';
import { classifyPhotoKey, mediaTypeOfKey, parseOssUri } from '../src/album/photo-filter';
import { ConfigError, loadAlbumConfig } from '../src/config/album-config';
import { createLogger } from '../src/log/logger';

const rule = { minFaceSize: 75, maxAngle: 30, minQuality: 0.8 };
const face = {
  box: { left: 0, top: 0, width: 100, height: 100 },
  headPose: { yaw: 10, pitch: -5, roll: 2 },
  quality: 0.9,
};

describe('clusterable rule', () => {
  it('accepts a large frontal sharp face', () => expect(isClusterable(face, rule)).toBe(true));
  it.each([
    ['small box', { ...face, box: { left: 0, top: 0, width: 75, height: 120 } }],
    ['yaw at the limit', { ...face, headPose: { yaw: -30, pitch: 0, roll: 0 } }],
    ['pitch over', { ...face, headPose: { yaw: 0, pitch: 31, roll: 0 } }],
    ['roll over', { ...face, headPose: { yaw: 0, pitch: 0, roll: -45 } }],
    ['quality at the limit', { ...face, quality: 0.8 }],
    ['no pose', { ...face, headPose: null }],
    ['no quality', { ...face, quality: null }],
  ])('rejects %s', (_name, f) => expect(isClusterable(f, rule)).toBe(false));
  it('follows a configured rule', () =>
    expect(isClusterable({ ...face, quality: 0.5 }, { ...rule, minQuality: 0.4 })).toBe(true));
});

describe('photo keys', () => {
  it('accepts image suffixes in any case under the prefix', () => {
    for (const key of [
      'photos/a.JPG',
      'photos/x/y.jpeg',
      'photos/a b.HEIC',
      'photos/照片.webp',
      'photos/t.tiff',
    ])
      expect(classifyPhotoKey(key, 'photos/')).toEqual({ accept: true, mediaType: 'image' });
  });
  it('accepts video suffixes as videos', () => {
    for (const key of ['photos/clip.MP4', 'photos/x/IMG_0001.MOV', 'photos/a.m4v', 'photos/b.webm'])
      expect(classifyPhotoKey(key, 'photos/')).toEqual({ accept: true, mediaType: 'video' });
    expect(mediaTypeOfKey('photos/clip.mov')).toBe('video');
    expect(mediaTypeOfKey('photos/mov.d/a.jpg')).toBe('image');
  });
  it('says why a key is skipped', () => {
    expect(classifyPhotoKey('other/a.jpg', 'photos/')).toMatchObject({
      accept: false,
      reason: expect.stringContaining('outside'),
    });
    expect(classifyPhotoKey('photos/a.txt', 'photos/')).toMatchObject({
      accept: false,
      reason: expect.stringContaining('.txt'),
    });
    expect(classifyPhotoKey('photos/README', 'photos/')).toMatchObject({
      accept: false,
      reason: 'no file suffix',
    });
    expect(classifyPhotoKey('photos/dir/', 'photos/')).toMatchObject({
      accept: false,
      reason: 'folder marker',
    });
  });
  it('parses oss uris with any characters in the key', () =>
    expect(parseOssUri('oss://b/p/a b+c%.jpg')).toEqual({ bucket: 'b', key: 'p/a b+c%.jpg' }));
});

describe('logger', () => {
  it('writes one JSON line per event with bindings and redacts secrets and signed URLs', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) }).child({ requestId: 'r-1' });
    log.info('x', {
      accessKeySecret: 's3cr3t',
      url: 'https://b.oss-cn-hangzhou.aliyuncs.com/a.jpg?OSSAccessKeyId=AK&Expires=1&Signature=abc',
      nested: { securityToken: 't' },
    });
    log.debug('hidden');
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]!);
    expect(rec).toMatchObject({
      level: 'info',
      event: 'x',
      requestId: 'r-1',
      accessKeySecret: '[redacted]',
      nested: { securityToken: '[redacted]' },
    });
    expect(rec.url).toBe('https://b.oss-cn-hangzhou.aliyuncs.com/a.jpg?[redacted]');
    expect(lines[0]).not.toContain('s3cr3t');
  });
});

describe('config', () => {
  it('applies defaults and reports every bad variable at once', () => {
    expect(loadAlbumConfig({})).toMatchObject({
      photoPrefix: 'photos/',
      urlExpiresSeconds: 900,
      clusterable: rule,
    });
    expect(() => loadAlbumConfig({ ALBUM_API_KEY: 'short', URL_EXPIRES_SECONDS: '5' })).toThrow(ConfigError);
    try {
      loadAlbumConfig({ ALBUM_API_KEY: 'short', URL_EXPIRES_SECONDS: '5' });
    } catch (e) {
      expect((e as Error).message).toMatch(/ALBUM_API_KEY/);
      expect((e as Error).message).toMatch(/URL_EXPIRES_SECONDS/);
    }
  });
});
