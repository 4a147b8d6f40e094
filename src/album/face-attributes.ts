/**
 * Face attributes in IMM's vocabulary (Figure: Emotion, Mouth, Mask, Glasses, Hat, Beard, plus eye state as OSS
 * face detection names it). A face carries a key only when its backend can tell; values come with a confidence.
 */
export const FACE_ATTRIBUTE_VALUES = {
  emotion: ['happiness', 'sadness', 'anger', 'surprise', 'fear', 'disgust', 'calm', 'none'],
  mouth: ['open', 'close'],
  eyes: ['open', 'closed'],
  mask: ['mask', 'none'],
  glasses: ['glasses', 'sunglasses', 'none'],
  hat: ['hat', 'none'],
  beard: ['beard', 'none'],
} as const;

export type FaceAttributeName = keyof typeof FACE_ATTRIBUTE_VALUES;
export const FACE_ATTRIBUTE_NAMES = Object.keys(FACE_ATTRIBUTE_VALUES) as FaceAttributeName[];

export interface FaceAttribute {
  value: string;
  /** [0,1] */
  confidence: number;
}

export type FaceAttributes = Partial<Record<FaceAttributeName, FaceAttribute>>;

/** Filters on attribute values (`?emotion=happiness&eyes=open`): every listed attribute must match. */
export type AttributeFilter = Partial<Record<FaceAttributeName, string>>;

export function isAttributeName(name: string): name is FaceAttributeName {
  return Object.hasOwn(FACE_ATTRIBUTE_VALUES, name);
}

/** Whether a face's attributes satisfy every filter (an attribute the face lacks never matches). */
export function matchesAttributes(attributes: FaceAttributes, filter: AttributeFilter): boolean {
  for (const [name, value] of Object.entries(filter) as [FaceAttributeName, string][])
    if (attributes[name]?.value !== value) return false;
  return true;
}
