import type { FaceAttributeName, FaceAttributes } from '../album/face-attributes';
import type {
  Box,
  FaceRecord,
  Gender,
  PersonRecord,
  PhotoRecord,
  TaskRecord,
  TaskStatus,
  TaskType,
} from '../album/types';
import {
  type Boundary,
  CLUSTER_ID_INDEPENDENT,
  CLUSTER_ID_UNAVAILABLE,
  type Figure,
  type FigureCluster,
  type ImmFile,
  type TaskInfo,
} from './imm-wire';

/** IMM wire objects → album records. Kept pure so the mapping can be tested without a server. */

/** CustomLabels key the album reserves for "hidden"; user labels never use the `album.` prefix. */
export const HIDDEN_LABEL = 'album.hidden';
const RESERVED_PREFIX = 'album.';

export function toBox(b: Boundary | undefined): Box | null {
  if (!b) return null;
  return { left: b.Left ?? 0, top: b.Top ?? 0, width: b.Width ?? 0, height: b.Height ?? 0 };
}

export function toGender(g: string | undefined): Gender | null {
  const v = g?.toLowerCase();
  return v === 'male' || v === 'female' ? v : null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** IMM Figure fields of each attribute (imm-facts §7); IMM has no eye state. */
export const IMM_ATTRIBUTE_FIELDS = {
  emotion: 'Emotion',
  mouth: 'Mouth',
  mask: 'Mask',
  glasses: 'Glasses',
  hat: 'Hat',
  beard: 'Beard',
} as const satisfies Partial<Record<FaceAttributeName, string>>;
export const IMM_FACE_ATTRIBUTES = Object.keys(IMM_ATTRIBUTE_FIELDS) as (keyof typeof IMM_ATTRIBUTE_FIELDS)[];

/** Every attribute IMM returned on the figure, value lower-cased, with its `<Field>Confidence`. */
export function toAttributes(f: Figure): FaceAttributes {
  const out: FaceAttributes = {};
  for (const name of IMM_FACE_ATTRIBUTES) {
    const field = IMM_ATTRIBUTE_FIELDS[name];
    const value = f[field];
    if (typeof value !== 'string' || !value) continue;
    const confidence = num(f[`${field}Confidence`]);
    out[name] = {
      value: value.toLowerCase(),
      confidence: confidence === null ? 0 : Math.min(1, Math.max(0, confidence)),
    };
  }
  return out;
}

export function toFace(f: Figure, index: number): FaceRecord {
  const cluster = f.FigureClusterId;
  const personId =
    !cluster || cluster === CLUSTER_ID_INDEPENDENT || cluster === CLUSTER_ID_UNAVAILABLE ? null : cluster;
  return {
    id: f.FigureId ?? `figure-${index}`,
    personId,
    box: toBox(f.Boundary) ?? { left: 0, top: 0, width: 0, height: 0 },
    confidence: num(f.FigureConfidence),
    age: num(f.Age),
    gender: toGender(f.Gender),
    headPose: f.HeadPose
      ? { yaw: f.HeadPose.Yaw ?? 0, pitch: f.HeadPose.Pitch ?? 0, roll: f.HeadPose.Roll ?? 0 }
      : null,
    quality: num(f.FaceQuality),
    sharpness: num(f.Sharpness),
    attributes: toAttributes(f),
  };
}

export function toPhoto(file: ImmFile): PhotoRecord {
  return {
    uri: file.URI,
    width: num(file.ImageWidth),
    height: num(file.ImageHeight),
    takenAt: file.ProduceTime || null,
    // Videos are indexed as frames (the cloud side of issue 18); until then every file is an image.
    mediaType: 'image',
    faces: (file.Figures ?? []).filter((f) => !f.FigureType || f.FigureType === 'face').map(toFace),
  };
}

export function userLabels(custom: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(custom ?? {})) if (!k.startsWith(RESERVED_PREFIX)) out[k] = v;
  return out;
}

export function isHidden(custom: Record<string, string> | undefined): boolean {
  return String(custom?.[HIDDEN_LABEL] ?? '').toLowerCase() === 'true';
}

export function toPerson(c: FigureCluster): PersonRecord {
  // The cover is a whole File; the cover face is the figure of this cluster on it.
  const coverFigure =
    c.Cover?.Figures?.find((f) => f.FigureClusterId === c.ObjectId) ?? c.Cover?.Figures?.[0];
  const avg = num(c.AverageAge);
  return {
    id: c.ObjectId,
    name: c.Name ? c.Name : null,
    hidden: isHidden(c.CustomLabels),
    labels: userLabels(c.CustomLabels),
    faceCount: c.FaceCount ?? 0,
    imageCount: c.ImageCount ?? 0,
    videoCount: c.VideoCount ?? 0,
    gender: toGender(c.Gender),
    age: avg === null ? null : { avg, min: num(c.MinAge) ?? avg, max: num(c.MaxAge) ?? avg },
    cover: c.Cover?.URI ? { uri: c.Cover.URI, box: toBox(coverFigure?.Boundary) } : null,
    createdAt: c.CreateTime ?? null,
    updatedAt: c.UpdateTime ?? null,
  };
}

const STATUS: Record<string, TaskStatus> = { Running: 'running', Succeeded: 'succeeded', Failed: 'failed' };

export function toTask(t: TaskInfo, id: string, type: TaskType): TaskRecord {
  return {
    id,
    type,
    // Anything IMM adds later (e.g. a queued state) is still "not finished".
    status: STATUS[t.Status ?? ''] ?? 'running',
    code: t.Code || null,
    message: t.Message || null,
    startedAt: t.StartTime || null,
    endedAt: t.EndTime || null,
  };
}
