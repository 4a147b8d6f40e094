import type { Face } from './api';

/** Why a face has no person, in words; a face too small to judge is not also called blurred. */
export function whyNoPerson(face: Pick<Face, 'unclusterableReasons'>): string {
  const reasons = face.unclusterableReasons;
  const small = reasons.some((r) => r.code === 'small');
  return reasons
    .filter((r) => !(small && r.code === 'low_quality'))
    .map((r) => r.message)
    .join('; ');
}

/** Quality is a measure of sharpness; on a face too small to judge it would read as a verdict (0.00). */
export const showsQuality = (face: Pick<Face, 'quality' | 'unclusterableReasons'>): boolean =>
  face.quality !== null && !face.unclusterableReasons.some((r) => r.code === 'small');
