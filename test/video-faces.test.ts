/**
 * The pure parts of video analysis: ffmpeg's input summary read into a probe, and a video's frame faces
 * collapsed into a few per person with the spans they are seen in.
 */
import { describe, expect, it } from 'vitest';
import type { Box } from '../src/album/types';
import type { FrameFace } from '../src/local/video/video-faces';
import { collapseVideoFaces, DEFAULT_COLLAPSE, mergeSpans, unionSpans } from '../src/local/video/video-faces';
import { displaySize, parseProbe } from '../src/local/video/video-probe';

const SUMMARY = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'clip.mov':
  Metadata:
    creation_time   : 2024-05-01T10:20:30.000000Z
  Duration: 00:01:05.50, start: 0.000000, bitrate: 418 kb/s
    Stream #0:0(und): Video: hevc (Main) (hvc1 / 0x31637668), yuv420p(tv), 1920x1080, 414 kb/s, 29.97 fps (default)
    Metadata:
      rotate          : 90
    Stream #0:1(und): Audio: aac (LC), 44100 Hz, stereo
At least one output file must be specified`;

describe('parseProbe', () => {
  it('reads duration, codec, size, rotation and creation time', () => {
    const p = parseProbe(SUMMARY);
    expect(p).toEqual({
      durationSeconds: 65.5,
      codec: 'hevc',
      width: 1920,
      height: 1080,
      rotation: 90,
      creationTime: '2024-05-01T10:20:30.000Z',
    });
    expect(displaySize(p)).toEqual({ width: 1080, height: 1920 });
  });
  it('refuses audio only and unreadable input with a reason', () => {
    expect(() => parseProbe(SUMMARY.replace(/ {4}Stream #0:0.*\n/, ''))).toThrow(/audio only/);
    expect(() => parseProbe('clip.mp4: Invalid data found when processing input')).toThrow(
      /not a readable video: clip.mp4: Invalid data found/,
    );
  });
});

/** A face of identity `who` (embeddings far apart per identity, a little noise per frame). */
function face(who: number, t: number, quality: number): FrameFace {
  const embedding = new Float32Array(128);
  embedding[who] = 1;
  embedding[100 + (t % 20)] = 0.05;
  return {
    box: { left: 10 * who, top: 0, width: 100, height: 100 },
    confidence: 0.99,
    headPose: { yaw: 0, pitch: 0, roll: 0 },
    age: 30,
    gender: 'male',
    quality,
    sharpness: quality,
    embedding,
    attributes: {},
    timeSeconds: t,
  };
}

describe('collapseVideoFaces', () => {
  it('keeps a few faces per person, best first, spread in time, with merged spans', () => {
    const faces: FrameFace[] = [];
    for (let t = 0; t <= 20; t++) faces.push(face(0, t, t === 7 ? 0.99 : 0.5 + t / 100));
    for (let t = 30; t <= 40; t++) faces.push(face(0, t, 0.6));
    for (let t = 5; t <= 9; t++) faces.push(face(1, t, 0.8));
    const kept = collapseVideoFaces(faces, { ...DEFAULT_COLLAPSE, interval: 1 });
    const tracks = new Map<number, typeof kept>();
    for (const f of kept) tracks.set(f.track, [...(tracks.get(f.track) ?? []), f]);
    expect(tracks.size).toBe(2);
    const first = tracks.get(0)!;
    expect(first).toHaveLength(3);
    expect(first[0]!.timeSeconds).toBe(7); // its best face leads the track
    expect(first[0]!.spans).toEqual([
      { fromSeconds: 0, toSeconds: 20 },
      { fromSeconds: 30, toSeconds: 40 },
    ]);
    const times = first.map((f) => f.timeSeconds).sort((a, b) => a - b);
    expect(times[2]! - times[0]!).toBeGreaterThan(10); // spread in time, not three neighbours
    expect(tracks.get(1)!.map((f) => f.spans)[0]).toEqual([{ fromSeconds: 5, toSeconds: 9 }]);
  });
  it('never puts two faces of one frame in one track', () => {
    const twins = [
      face(0, 1, 0.9),
      { ...face(0, 1, 0.8), box: { left: 500, top: 0, width: 90, height: 90 } },
    ];
    const kept = collapseVideoFaces(twins, { ...DEFAULT_COLLAPSE, interval: 1 });
    expect(new Set(kept.map((f) => f.track)).size).toBe(2);
  });
});

/** A face seen at `t` at `box` with an embedding of three given coordinates (the rest 0). */
function seen(t: number, xyz: [number, number, number], box: Box, quality = 1): FrameFace {
  const embedding = new Float32Array(128);
  embedding.set(xyz);
  return { ...face(0, t, quality), box, embedding };
}

describe('collapseVideoFaces: a face read badly on some frames', () => {
  // As measured on the Duhalde clip of the quality bench (docs/videos.md): one still shown 0–3 s, the
  // engine's box at 0 s and its box at 1–2 s (near-identical frames) 0.49 apart in descriptor; a second
  // photo of him 4–6 s, 0.42 from the 0 s face and 0.63 from the 1–2 s faces.
  const good: Box = { left: 434, top: 193, width: 274, height: 371 };
  const jumped: Box = { left: 418, top: 150, width: 333, height: 446 };
  const second: Box = { left: 525, top: 235, width: 240, height: 330 };
  const at0: [number, number, number] = [0, 0, 0];
  const bad: [number, number, number] = [0.0233, 0.4895, 0];
  const other: [number, number, number] = [0.42, 0, 0];
  const tracksOf = (faces: FrameFace[]) =>
    new Set(collapseVideoFaces(faces, { ...DEFAULT_COLLAPSE, interval: 1 }).map((f) => f.track)).size;
  const clip = (jumpedFaces: FrameFace[]) => [
    seen(0, at0, good),
    ...jumpedFaces,
    ...[4, 5, 6].map((t) => seen(t, other, second)),
  ];

  it('stays in its track when the face stays in place from one sample to the next', () => {
    const kept = collapseVideoFaces(clip([seen(1, bad, jumped, 0.99), seen(2, bad, jumped, 0.99)]), {
      ...DEFAULT_COLLAPSE,
      interval: 1,
    });
    expect(new Set(kept.map((f) => f.track))).toEqual(new Set([0]));
    expect(kept[0]!.spans).toEqual([
      { fromSeconds: 0, toSeconds: 2 },
      { fromSeconds: 4, toSeconds: 6 },
    ]);
    expect(kept[0]!.quality).toBe(1); // the track is still compared by a good face
  });
  it('does not join across a cut, a gap or a move, nor two faces of one frame', () => {
    const far: [number, number, number] = [0, 0.6, 0]; // another person at the same place after a cut
    expect(tracksOf(clip([seen(1, far, jumped, 0.99)]))).toBe(2);
    // the same face, but 3 intervals after the last sighting
    expect(tracksOf([seen(0, at0, good), seen(3, bad, jumped, 0.99)])).toBe(2);
    // the same face, but elsewhere in the frame
    expect(tracksOf([seen(0, at0, good), seen(1, bad, { ...jumped, left: 900 }, 0.99)])).toBe(2);
    // two people side by side, both seen at 0 s and 1 s: never one track
    expect(tracksOf([seen(0, at0, good), seen(0, bad, jumped, 0.99), seen(1, bad, jumped)])).toBe(2);
  });
});

describe('spans', () => {
  it('merges samples one interval apart and unions overlapping lists', () => {
    expect(mergeSpans([4, 0, 1, 2, 5, 9], 1)).toEqual([
      { fromSeconds: 0, toSeconds: 2 },
      { fromSeconds: 4, toSeconds: 5 },
      { fromSeconds: 9, toSeconds: 9 },
    ]);
    expect(
      unionSpans([
        [{ fromSeconds: 0, toSeconds: 3 }],
        [
          { fromSeconds: 2, toSeconds: 5 },
          { fromSeconds: 8, toSeconds: 9 },
        ],
      ]),
    ).toEqual([
      { fromSeconds: 0, toSeconds: 5 },
      { fromSeconds: 8, toSeconds: 9 },
    ]);
  });
});
