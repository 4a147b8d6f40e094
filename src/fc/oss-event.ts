import { z } from 'zod';
import { formatIssues } from '../schema/zod-issues';

/** FC 3.0 OSS trigger event (cloud-reference §3.3). Only the fields we read are required. */
export const OssEventRecordSchema = z.object({
  eventName: z.string().min(1),
  eventTime: z.string().optional(),
  region: z.string().optional(),
  oss: z.object({
    bucket: z.object({ name: z.string().min(1), arn: z.string().optional() }),
    object: z.object({ key: z.string().min(1), size: z.number().optional(), eTag: z.string().optional() }),
  }),
});
export const OssEventSchema = z.object({ events: z.array(OssEventRecordSchema).min(1) });
export type OssEventRecord = z.infer<typeof OssEventRecordSchema>;

export interface PhotoChange {
  kind: 'created' | 'removed';
  bucket: string;
  key: string;
  eventName: string;
}

/**
 * Whether OSS URL-encodes keys in FC events is not documented (cloud-reference §3.3). In `auto`
 * mode a key is decoded only when it looks encoded: it has %XX escapes, decodes cleanly and holds
 * no raw space or non-ASCII character (which an encoded key never would). `raw` and `url` force it.
 */
export type KeyEncoding = 'auto' | 'raw' | 'url';

export function decodeEventKey(key: string, mode: KeyEncoding = 'auto'): string {
  if (mode === 'raw') return key;
  const looksEncoded = /%[0-9A-Fa-f]{2}/.test(key) && !/[\s\u0080-\uffff]/.test(key);
  if (mode === 'auto' && !looksEncoded) return key;
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
}

/** Parses the raw trigger payload; throws MalformedEventError with every problem listed. */
export function parseOssEvent(payload: Buffer | string, keyEncoding: KeyEncoding = 'auto'): PhotoChange[] {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch (e) {
    throw new MalformedEventError(`OSS event is not JSON: ${(e as Error).message}`);
  }
  const parsed = OssEventSchema.safeParse(json);
  if (!parsed.success) {
    throw new MalformedEventError(`OSS event has the wrong shape: ${formatIssues(parsed.error)}`);
  }
  const changes: PhotoChange[] = [];
  for (const record of parsed.data.events) {
    const kind = record.eventName.replace(/^oss:/, '').startsWith('ObjectRemoved')
      ? 'removed'
      : record.eventName.replace(/^oss:/, '').startsWith('ObjectCreated')
        ? 'created'
        : null;
    if (!kind) throw new MalformedEventError(`unsupported OSS eventName "${record.eventName}"`);
    changes.push({
      kind,
      bucket: record.oss.bucket.name,
      key: decodeEventKey(record.oss.object.key, keyEncoding),
      eventName: record.eventName,
    });
  }
  return changes;
}
