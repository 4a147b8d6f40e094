import type { FaceAttributeName } from '../album/face-attributes';
import type { PersonPhotosQuery, PhotosWithPeopleQuery, TakenRange } from '../album/types';
import { IMM_ATTRIBUTE_FIELDS } from './imm-records';
import type { SimpleQueryNode } from './imm-wire';

/**
 * SimpleQuery trees for the photo questions (imm-facts §9 grammar): `and` of conditions, `nested` where
 * several conditions must hold for one and the same figure (the person's face AND its attributes).
 */
const CLUSTER_FIELD = 'Figures.FigureClusterId';
/** Photos newest first: IMM's taken time (EXIF DateTimeOriginal, as ProduceTime). */
export const TAKEN_SORT = 'ProduceTime';

function takenRange(q: TakenRange): SimpleQueryNode[] {
  const out: SimpleQueryNode[] = [];
  if (q.from) out.push({ Field: TAKEN_SORT, Operation: 'gte', Value: q.from });
  if (q.to) out.push({ Field: TAKEN_SORT, Operation: 'lte', Value: q.to });
  return out;
}

const and = (nodes: SimpleQueryNode[]): SimpleQueryNode =>
  nodes.length === 1 ? nodes[0]! : { Operation: 'and', SubQueries: nodes };

export function personPhotosQuery(id: string, q: PersonPhotosQuery): SimpleQueryNode {
  const onFigure: SimpleQueryNode[] = [{ Field: CLUSTER_FIELD, Operation: 'eq', Value: id }];
  for (const [name, value] of Object.entries(q.attributes ?? {}) as [FaceAttributeName, string][]) {
    const field = IMM_ATTRIBUTE_FIELDS[name as keyof typeof IMM_ATTRIBUTE_FIELDS];
    // The service refuses attributes this backend does not tell before we get here.
    if (field) onFigure.push({ Field: `Figures.${field}`, Operation: 'eq', Value: value });
  }
  const figure: SimpleQueryNode =
    onFigure.length === 1 ? onFigure[0]! : { Field: 'Figures', Operation: 'nested', SubQueries: onFigure };
  return and([figure, ...takenRange(q)]);
}

export function photosWithPeopleQuery(q: PhotosWithPeopleQuery): SimpleQueryNode {
  return and([
    ...q.people.map((id): SimpleQueryNode => ({ Field: CLUSTER_FIELD, Operation: 'eq', Value: id })),
    ...(q.mediaType ? [{ Field: 'MediaType', Operation: 'eq', Value: q.mediaType }] : []),
    ...takenRange(q),
  ]);
}
