import type { ClusterableRule } from '../config/album-config';
import type { FaceRecord, UnclusterableReason } from './types';

/**
 * The rule IMM applies before a face may found a person: box larger than 75×75 px,
 * |yaw|, |pitch|, |roll| under 30° and quality over 0.8 (cloud-reference §2.2).
 * Both backends and the local clusterer use this one function.
 */
export function isClusterable(
  face: Pick<FaceRecord, 'box' | 'headPose' | 'quality'>,
  rule: ClusterableRule,
): boolean {
  const { box, headPose, quality } = face;
  if (box.width <= rule.minFaceSize || box.height <= rule.minFaceSize) return false;
  if (!headPose) return false;
  if (
    Math.abs(headPose.yaw) >= rule.maxAngle ||
    Math.abs(headPose.pitch) >= rule.maxAngle ||
    Math.abs(headPose.roll) >= rule.maxAngle
  )
    return false;
  return quality !== null && quality > rule.minQuality;
}

/** Each part of the rule a face fails, for the page's "why is this face not in a person". */
export function unclusterableReasons(
  face: Pick<FaceRecord, 'box' | 'headPose' | 'quality'>,
  rule: ClusterableRule,
): UnclusterableReason[] {
  const reasons: UnclusterableReason[] = [];
  const { box, headPose, quality } = face;
  if (box.width <= rule.minFaceSize || box.height <= rule.minFaceSize)
    reasons.push({
      code: 'small',
      message: `too small: ${Math.round(box.width)}×${Math.round(box.height)} px, needs more than ${rule.minFaceSize}×${rule.minFaceSize}`,
    });
  if (!headPose) reasons.push({ code: 'no_pose', message: 'head pose unknown' });
  else {
    const worst = (['yaw', 'pitch', 'roll'] as const)
      .map((axis) => ({ axis, deg: Math.abs(headPose[axis]) }))
      .sort((a, b) => b.deg - a.deg)[0]!;
    if (worst.deg >= rule.maxAngle)
      reasons.push({
        code: 'turned',
        message: `turned: ${Math.round(worst.deg)}° ${worst.axis}, needs under ${rule.maxAngle}°`,
      });
  }
  if (quality === null || quality <= rule.minQuality)
    reasons.push({
      code: 'low_quality',
      message:
        quality === null
          ? 'quality unknown'
          : `blurred or unclear: quality ${quality.toFixed(2)}, needs over ${rule.minQuality}`,
    });
  return reasons;
}
