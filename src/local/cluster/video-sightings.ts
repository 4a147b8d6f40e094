import type { SeenSpan } from './cluster-types';

/** A video face whose track's spans are unknown (an older row): seen at every time, so it clashes always. */
const EVERYWHERE: readonly SeenSpan[] = [{ fromSeconds: -Infinity, toSeconds: Infinity }];

/** The spans a face is seen at: undefined for a photo face, never empty for a video face. */
export const sightingSpans = (spans: readonly SeenSpan[] | undefined): readonly SeenSpan[] | undefined =>
  spans === undefined ? undefined : spans.length > 0 ? spans : EVERYWHERE;

const overlap = (a: readonly SeenSpan[], b: readonly SeenSpan[]): boolean =>
  a.some((x) => b.some((y) => x.fromSeconds <= y.toSeconds && y.fromSeconds <= x.toSeconds));

/**
 * The same-photo rule for videos. Two faces of one photo are two people; in a video, so are two faces seen
 * in one frame, but two tracks of one video never seen at one time (the person turned, left and came back,
 * a cut) may be one person: the in-video tracker keeps looks that differ apart, the album decides. The
 * founding rule still counts photo ids, so a video counts once however many of its tracks a person holds.
 *
 * A group or person keeps, per video it holds, the spans of each member track (merged sample times: spans
 * that overlap may share a frame, so they clash — conservative). Photo faces are not kept here: a photo id
 * both sides hold clashes. Cost: a few tracks per video per person, independent of the album's size.
 */
export class VideoSightings {
  /** video (content photo id) → member face id → its track's spans. */
  private readonly byVideo = new Map<number, Map<number, readonly SeenSpan[]>>();

  add(faceId: number, photoId: number, spans: readonly SeenSpan[] | undefined): void {
    if (spans === undefined) return;
    const faces = this.byVideo.get(photoId) ?? new Map<number, readonly SeenSpan[]>();
    this.byVideo.set(photoId, faces);
    faces.set(faceId, spans);
  }

  remove(faceId: number, photoId: number): void {
    const faces = this.byVideo.get(photoId);
    if (!faces) return;
    faces.delete(faceId);
    if (faces.size === 0) this.byVideo.delete(photoId);
  }

  absorb(other: VideoSightings): void {
    for (const [video, faces] of other.byVideo) for (const [id, spans] of faces) this.add(id, video, spans);
  }

  /** Whether a face of `photoId` seen at `spans` may join members that hold `photoId` too. */
  admits(photoId: number, spans: readonly SeenSpan[] | undefined): boolean {
    const faces = this.byVideo.get(photoId);
    if (spans === undefined || !faces) return false;
    for (const s of faces.values()) if (overlap(s, spans)) return false;
    return true;
  }

  /** Whether every member of `other` from `photoId` may join these members (which hold `photoId` too). */
  admitsAll(other: VideoSightings, photoId: number): boolean {
    const theirs = other.byVideo.get(photoId);
    if (!theirs) return false;
    for (const s of theirs.values()) if (!this.admits(photoId, s)) return false;
    return true;
  }
}
