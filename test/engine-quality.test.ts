/** The quality formula (pure functions) and that the engine's tfjs varLap matches the reference implementation. */
import { describe, expect, it } from 'vitest';
import {
  faceQuality,
  resolutionFactor,
  SHARPNESS_K,
  sharpnessFromVarLap,
  varianceOfLaplacian,
} from '../src/local/engine/face-quality';

describe('face quality definition', () => {
  it('varLap is 0 on a flat crop and large on a checkerboard', () => {
    const side = 16;
    expect(varianceOfLaplacian(new Float32Array(side * side).fill(90), side)).toBe(0);
    const board = new Float32Array(side * side).map((_, i) =>
      ((i % side) + Math.floor(i / side)) % 2 ? 255 : 0,
    );
    // Every interior Laplacian is ±4·255, so the variance is (4·255)².
    expect(varianceOfLaplacian(board, side)).toBeCloseTo((4 * 255) ** 2, 0);
  });

  it('sharpness is varLap / K clamped to [0,1]', () => {
    expect(sharpnessFromVarLap(0)).toBe(0);
    expect(sharpnessFromVarLap(SHARPNESS_K / 2)).toBeCloseTo(0.5);
    expect(sharpnessFromVarLap(SHARPNESS_K * 10)).toBe(1);
  });

  it('resolution factor: 0 at ≤40 px, 0.85 at 75 px, 1 from 112 px', () => {
    expect(resolutionFactor(30)).toBe(0);
    expect(resolutionFactor(75)).toBeCloseTo(0.85);
    expect(resolutionFactor(112)).toBe(1);
    expect(resolutionFactor(90)).toBeGreaterThan(0.85);
    expect(resolutionFactor(90)).toBeLessThan(1);
  });

  it('quality is the weakest of sharpness, resolution and confidence', () => {
    expect(faceQuality(1, 200, 1)).toBe(1);
    expect(faceQuality(0.3, 200, 1)).toBeCloseTo(0.3);
    expect(faceQuality(1, 75, 1)).toBeCloseTo(0.85);
    expect(faceQuality(1, 200, 0.6)).toBeCloseTo(0.6);
  });
});
