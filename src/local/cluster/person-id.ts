import { randomUUID } from 'node:crypto';

/** IMM-style person id. */
export function newPersonId(): string {
  return `Cluster-${randomUUID()}`;
}
