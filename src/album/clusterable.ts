import type { ClusterableRule } from '../config/album-config';
import type { FaceRecord } from './types';

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
