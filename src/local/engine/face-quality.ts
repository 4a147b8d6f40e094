/**
 * Face quality in [0,1], our own definition (no engine offers a calibrated one; Human's scores stay at 1.0 on
 * heavily blurred faces):
 *
 *   sharpness  = clamp(varLap / SHARPNESS_K, 0, 1)
 *                varLap = variance of the 4-neighbour Laplacian (0,1,0 / 1,-4,1 / 0,1,0) over the interior of the
 *                grey face crop (tight box, BT.601 luma, 0–255) resampled bilinearly to 112×112.
 *   resolution = piecewise linear in s = min(width, height) of the tight box in full-resolution pixels:
 *                0 at s ≤ 40, 0.85 at s = 75, 1 at s ≥ 112 (linear in between).
 *   confidence = the detector's face score (Human blazeface+mesh), in [0,1].
 *   quality    = min(sharpness, resolution, confidence)
 *
 * The minimum means a face is only as good as its weakest aspect: blur, too few pixels, or a doubtful detection.
 * SHARPNESS_K = 21 was calibrated with `tsx bench/quality-calibration.ts --limit 60` on 59 LFW dev faces (tight box
 * short side median 93 px): varLap p5/median = 18.6/58 as-is, 3.4/6.9/15.5 (p5/median/p95) after Gaussian blur
 * σ=2, 1.7/2.5/6.2 after σ=3. Resulting quality > 0.8: 98 % of originals, 3 % at σ=2, 0 % at σ=3 (σ=1: 83 %).
 */
export const QUALITY_CROP_SIDE = 112;
/** BT.601 luma weights (R, G, B). */
export const LUMA = [0.299, 0.587, 0.114];
/** 4-neighbour Laplacian, row-major 3×3 (the analyzer runs it as a 'valid' conv2d in tfjs). */
export const LAPLACIAN_KERNEL = [0, 1, 0, 1, -4, 1, 0, 1, 0];
export const SHARPNESS_K = 21;

/** Reference implementation of varLap on a side×side grey image (the analyzer computes the same in tfjs). */
export function varianceOfLaplacian(grey: Float32Array | Uint8Array, side: number): number {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < side - 1; y++) {
    for (let x = 1; x < side - 1; x++) {
      const i = y * side + x;
      const lap = grey[i - side]! + grey[i + side]! + grey[i - 1]! + grey[i + 1]! - 4 * grey[i]!;
      sum += lap;
      sumSq += lap * lap;
      n++;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

export function sharpnessFromVarLap(varLap: number): number {
  return Math.min(1, Math.max(0, varLap / SHARPNESS_K));
}

export function resolutionFactor(shortSidePx: number): number {
  if (shortSidePx <= 40) return 0;
  if (shortSidePx < 75) return (0.85 * (shortSidePx - 40)) / 35;
  if (shortSidePx < 112) return 0.85 + (0.15 * (shortSidePx - 75)) / 37;
  return 1;
}

export function faceQuality(sharpness: number, shortSidePx: number, confidence: number): number {
  return Math.max(0, Math.min(sharpness, resolutionFactor(shortSidePx), Math.min(1, confidence)));
}
