import type { OssEventRecord } from '../../fc/oss-event';

export interface FolderChange {
  kind: 'created' | 'removed';
  key: string;
  size?: number;
}

/** FC 3.0 OSS trigger payload for folder changes, shaped like the real thing (cloud-reference §3.3). */
export function toOssEvent(
  changes: FolderChange[],
  bucket: string,
  region = 'local',
): { events: OssEventRecord[] } {
  const now = new Date().toISOString();
  return {
    events: changes.map((c) => ({
      eventName: c.kind === 'created' ? 'ObjectCreated:PutObject' : 'ObjectRemoved:DeleteObject',
      eventSource: 'acs:oss',
      eventTime: now,
      eventVersion: '1.0',
      region,
      oss: {
        bucket: { name: bucket, arn: `acs:oss:${region}:local:${bucket}` },
        object: { key: c.key, size: c.kind === 'created' ? (c.size ?? 0) : 0 },
        ossSchemaVersion: '1.0',
      },
    })),
  };
}
