import { describe, expect, it } from 'vitest';
import { classifyPhotoKey } from '../src/album/photo-filter';
import { frameOf, frameUriOf } from '../src/imm/imm-video-records';
import { frameKey, mergeAppearances, planFrames } from '../src/imm/video-frames';

describe('frame plan (middle of equal slices, bounded per video)', () => {
  it('samples short clips every 2 s and long ones at most 30 times', () => {
    expect(planFrames(10)).toEqual({ times: [1, 3, 5, 7, 9], step: 2 });
    const long = planFrames(600)!;
    expect(long.times).toHaveLength(30);
    expect(long.step).toBe(20);
    expect(long.times[0]).toBe(10);
    expect(long.times.at(-1)).toBe(590);
    expect(planFrames(1)).toEqual({ times: [0.5], step: 1 });
    expect(planFrames(61)!.times).toHaveLength(30);
    expect(planFrames(5, { maxFrames: 100, minStepSeconds: 0.5 })!.times).toHaveLength(10);
  });

  it('has no plan without a positive duration', () => {
    for (const d of [0, -3, Number.NaN, Number.POSITIVE_INFINITY]) expect(planFrames(d)).toBeNull();
  });
});

describe('appearances', () => {
  it('merges the slices of consecutive frames and keeps gaps, clamped to the video', () => {
    expect(mergeAppearances([1, 3, 5, 9], 2, 10)).toEqual([
      { fromSeconds: 0, toSeconds: 6 },
      { fromSeconds: 8, toSeconds: 10 },
    ]);
    expect(mergeAppearances([9, 1, 1], 2, 9.5)).toEqual([
      { fromSeconds: 0, toSeconds: 2 },
      { fromSeconds: 8, toSeconds: 9.5 },
    ]);
    expect(mergeAppearances([], 2, 10)).toEqual([]);
  });
});

describe('frame names', () => {
  it('carry the video and the time, for any key', () => {
    for (const key of [
      'photos/a.mp4',
      'photos/家庭/clip 1.MOV',
      'photos/100% a+b.mp4',
      'photos/x/y/z.webm',
    ]) {
      const video = `oss://bkt/${key}`;
      const frame = frameUriOf(video, 12.345)!;
      expect(frame).toBe(`oss://bkt/${frameKey(key, 12.345)}`);
      expect(frame).toMatch(/\/\.album-frames\/.+\/000012345\.jpg$/);
      expect(frameOf(frame)).toEqual({ videoUri: video, timeSeconds: 12.345 });
      // A frame is never a photo, whatever the photo prefix.
      expect(classifyPhotoKey(frame.replace('oss://bkt/', ''), '')).toMatchObject({ accept: false });
    }
    expect(frameOf('oss://bkt/photos/a.jpg')).toBeNull();
    expect(frameOf('oss://bkt/.album-frames/a.mp4/cover.png')).toBeNull();
  });
});
