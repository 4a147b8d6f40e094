/**
 * The local face attributes read off Human's results (face-attribute-reader.ts): lip and eyelid ratios on a
 * mesh, the thresholds, what is left out when the head is turned, and emotion told only as happiness/none.
 * (Accuracy on real faces: bench/face-attributes-eval.ts, docs/ask-the-album.md.)
 */
import { describe, expect, it } from 'vitest';
import {
  EYES_OPEN_RATIO,
  MAX_READABLE_YAW,
  MOUTH_OPEN_RATIO,
  readFaceAttributes,
} from '../src/local/engine/face-attribute-reader';

/** A 468-point mesh with a 10-wide mouth and eyes; gaps given as ratios of those widths. */
function mesh(mouthGap: number, eyeGap: number): number[][] {
  const m = Array.from({ length: 468 }, () => [0, 0]);
  const set = (i: number, x: number, y: number) => {
    m[i] = [x, y];
  };
  set(61, 100, 200);
  set(291, 110, 200);
  set(13, 105, 200);
  set(14, 105, 200 + 10 * mouthGap);
  for (const [up, low, a, b, x] of [
    [159, 145, 33, 133, 80],
    [386, 374, 263, 362, 120],
  ] as const) {
    set(a, x, 150);
    set(b, x + 10, 150);
    set(up, x + 5, 150 - 5 * eyeGap);
    set(low, x + 5, 150 + 5 * eyeGap);
  }
  return m;
}

describe('local face attributes', () => {
  it('reads an open mouth and open eyes, and closed ones, around the thresholds', () => {
    const open = readFaceAttributes({ mesh: mesh(MOUTH_OPEN_RATIO + 0.05, EYES_OPEN_RATIO + 0.1), yaw: 0 });
    expect(open.mouth?.value).toBe('open');
    expect(open.eyes?.value).toBe('open');
    const closed = readFaceAttributes({ mesh: mesh(MOUTH_OPEN_RATIO - 0.05, EYES_OPEN_RATIO - 0.1), yaw: 0 });
    expect(closed.mouth?.value).toBe('close');
    expect(closed.eyes?.value).toBe('closed');
    // Confidence grows with the distance from the threshold, from 0.5 to 1.
    const near = readFaceAttributes({ mesh: mesh(MOUTH_OPEN_RATIO + 0.005, EYES_OPEN_RATIO), yaw: 0 });
    expect(near.mouth!.confidence).toBeLessThan(open.mouth!.confidence);
    expect(near.mouth!.confidence).toBeGreaterThanOrEqual(0.5);
    expect(readFaceAttributes({ mesh: mesh(0.6, 0.2), yaw: 0 }).mouth!.confidence).toBe(1);
  });

  it('leaves mouth and eyes out on a turned head or without a full mesh, never guessing', () => {
    const turned = readFaceAttributes({ mesh: mesh(0.3, 0.3), yaw: MAX_READABLE_YAW + 1 });
    expect(turned).toEqual({});
    expect(readFaceAttributes({ mesh: mesh(0.3, 0.3).slice(0, 100), yaw: 0 })).toEqual({});
  });

  it('tells emotion only as happiness or none, with the net’s probability of happy as evidence', () => {
    const scores = (top: string, happy: number) => [
      { emotion: top, score: 0.9 },
      ...(top === 'happy' ? [] : [{ emotion: 'happy', score: happy }]),
    ];
    expect(readFaceAttributes({ mesh: [], emotion: scores('happy', 0.9), yaw: 0 }).emotion).toEqual({
      value: 'happiness',
      confidence: 0.9,
    });
    expect(readFaceAttributes({ mesh: [], emotion: scores('angry', 0.05), yaw: 0 }).emotion).toEqual({
      value: 'none',
      confidence: 0.95,
    });
    expect(readFaceAttributes({ mesh: [], emotion: [], yaw: 0 })).toEqual({});
    // Never mask, glasses, hat or beard: no model here tells them.
    const all = readFaceAttributes({ mesh: mesh(0.2, 0.3), emotion: scores('happy', 0.9), yaw: 0 });
    expect(Object.keys(all).sort()).toEqual(['emotion', 'eyes', 'mouth']);
  });
});
