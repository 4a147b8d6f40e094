import { AlbumError } from '../album/errors';
import { FRAME_PREFIX, parseOssUri } from '../album/photo-filter';
import type {
  Page,
  PersonPhotosQuery,
  PersonRecord,
  PhotoRecord,
  PhotosWithPeopleQuery,
} from '../album/types';
import type { ImmClient } from './imm-client';
import { mapped } from './imm-errors-map';
import { personPhotosQuery, photosWithPeopleQuery, TAKEN_SORT } from './imm-queries';
import { toPhoto } from './imm-records';
import { framesUnder } from './imm-video-indexer';
import { frameOf, framesUriPrefix, toVideo } from './imm-video-records';
import type { SimpleQueryNode } from './imm-wire';
import { decodeCursor, encodeCursor } from './page-cursor';
import { frameDir, isVideoKey } from './video-frames';

const PHOTO_FIELDS = ['URI', 'ImageWidth', 'ImageHeight', 'ProduceTime', 'Figures'];
const FACE_CLUSTER_FIELD = 'Figures.FigureClusterId';
/** IMM pages read per call before a page is returned short (each page of frames may add no video). */
const MAX_PAGES = 10;
/** Frame pages read to count a person's videos (100 frames a page): beyond, the count is a lower bound. */
const MAX_COUNT_PAGES = 10;

/**
 * What one list asks for. Photos are files holding the people; a video holds them when its frames do,
 * not necessarily one frame holding them all (so the list agrees with the local backend's, where a video
 * is one item with all its people).
 */
interface MediaScope {
  /** The photos (the frame prefix is left out here). */
  photos: SimpleQueryNode;
  /** Frames that bring their video into the list: the first listed person's (with the list's filters). */
  frames: SimpleQueryNode;
  /** Everyone a video must show on one of its frames. */
  people: string[];
  /** Whose spans a video item carries (null: anyone's, as GET /photos/faces). */
  spansOf: string | null;
}

/**
 * A person's photos and videos on IMM, where videos are indexed as frames under FRAME_PREFIX
 * (src/imm/imm-video-indexer.ts). Frames are never items: a person's list holds their photos (files outside
 * the frame prefix), then their videos, each built from the person's frames of it; counts leave frames out.
 */
export class ImmPersonMedia {
  private readonly framesPrefix: string | null;

  constructor(
    private readonly client: ImmClient,
    private readonly pd: { ProjectName: string; DatasetName: string },
    /** The album's bucket; null where no list is served (then only photos are listed). */
    bucket: string | null,
  ) {
    this.framesPrefix = bucket ? framesUriPrefix(bucket) : null;
  }

  /**
   * Photos first, then videos; the cursor says which part and where in it (IMM's NextToken). A video is given
   * once, at the page holding the first of the person's frames of it, whatever order IMM pages in.
   */
  list(id: string, query: PersonPhotosQuery): Promise<Page<PhotoRecord>> {
    const q = personPhotosQuery(id, query);
    return this.page({ photos: q, frames: q, people: [id], spansOf: id }, query);
  }

  /**
   * Photos and videos holding every listed person (GET /photos?people=), photos first as in `list`; a
   * merged-away id must already be its target's. A video item's spans are everyone's, as locally.
   */
  withPeople(query: PhotosWithPeopleQuery): Promise<Page<PhotoRecord>> {
    const { mediaType: _, ...anyMedia } = query;
    const frames = photosWithPeopleQuery({ ...anyMedia, people: query.people.slice(0, 1) });
    return this.page(
      { photos: photosWithPeopleQuery(query), frames, people: query.people, spansOf: null },
      query,
    );
  }

  private async page(
    scope: MediaScope,
    query: { limit: number; cursor?: string | undefined; mediaType?: 'image' | 'video' | undefined },
  ): Promise<Page<PhotoRecord>> {
    const cursor = decodeCursor(query.cursor);
    let part: 'i' | 'v' = query.mediaType === 'video' ? 'v' : 'i';
    let token = '';
    if (cursor) {
      const m = /^([iv]):(.*)$/s.exec(cursor.token);
      if (!m) throw new AlbumError('bad_request', 'invalid cursor');
      part = m[1] as 'i' | 'v';
      token = m[2]!;
    }
    const items: PhotoRecord[] = [];
    const next = (t: string) => encodeCursor({ token: `${part}:${t}`, offset: 0, pageSize: query.limit });
    for (let pages = 0; items.length < query.limit; pages++) {
      if (pages >= MAX_PAGES) return { items, nextCursor: next(token) };
      const want = query.limit - items.length;
      const page =
        part === 'i' ? await this.photoPage(scope, token, want) : await this.videoPage(scope, token, want);
      items.push(...page.items);
      if (page.next) {
        token = page.next;
        continue;
      }
      if (part === 'v' || query.mediaType === 'image' || !this.framesPrefix)
        return { items, nextCursor: null };
      part = 'v';
      token = '';
    }
    return { items, nextCursor: next(token) };
  }

  /** `node` without the files under the frame prefix (frames are never photos of the album). */
  withoutFrames(node: SimpleQueryNode): SimpleQueryNode {
    if (!this.framesPrefix) return node;
    const notFrame: SimpleQueryNode = {
      Operation: 'not',
      SubQueries: [{ Field: 'URI', Operation: 'prefix', Value: this.framesPrefix }],
    };
    return { Operation: 'and', SubQueries: [node, notFrame] };
  }

  /** The scope's photos (taken range and face attributes as main's query), newest first. */
  private async photoPage(scope: MediaScope, token: string, max: number) {
    const res = await mapped(
      this.client.call('SimpleQuery', {
        ...this.pd,
        Query: this.withoutFrames(scope.photos),
        WithFields: PHOTO_FIELDS,
        MaxResults: max,
        NextToken: token || undefined,
        Sort: TAKEN_SORT,
        Order: 'desc',
      }),
    );
    return { items: (res.Files ?? []).map(toPhoto), next: res.NextToken || null };
  }

  /**
   * Frames with the first person's face (same attribute/range conditions), grouped back into their
   * videos; a video stays when its frames show everyone in the scope.
   */
  private async videoPage(scope: MediaScope, token: string, max: number) {
    if (!this.framesPrefix) return { items: [], next: null };
    const [first] = scope.people;
    const res = await mapped(
      this.client.call('SimpleQuery', {
        ...this.pd,
        Query: {
          Operation: 'and',
          SubQueries: [scope.frames, { Field: 'URI', Operation: 'prefix', Value: this.framesPrefix }],
        },
        WithFields: ['URI'],
        MaxResults: max,
        NextToken: token || undefined,
      }),
    );
    const inPage = new Set((res.Files ?? []).map((f) => f.URI));
    const videos = [...new Set([...inPage].map((u) => frameOf(u)?.videoUri).filter((v) => v !== undefined))];
    const items: PhotoRecord[] = [];
    for (const video of videos) {
      const frames = await this.framesOfVideo(video);
      const shows = (p: string) =>
        frames.filter((f) => (f.Figures ?? []).some((g) => g.FigureClusterId === p));
      const mine = shows(first!);
      // framesOfVideo is in URI (= time) order: the video belongs to the page holding its first such frame.
      if (!mine.length || !inPage.has(mine[0]!.URI)) continue;
      if (!scope.people.every((p) => p === first || shows(p).length)) continue;
      // A person's list gives the person's frames (their faces, their spans); other lists the whole video.
      items.push(scope.spansOf ? toVideo(video, mine, scope.spansOf) : toVideo(video, frames, null));
    }
    return { items, next: res.NextToken || null };
  }

  private framesOfVideo(videoUri: string) {
    const at = parseOssUri(videoUri)!;
    return framesUnder(this.client, this.pd, `oss://${at.bucket}/${frameDir(at.key)}`);
  }

  /** A video with the faces of all its frames; null when none of its frames is indexed (yet). */
  async getVideo(uri: string): Promise<PhotoRecord | null> {
    const frames = await this.framesOfVideo(uri);
    return frames.length ? toVideo(uri, frames, null) : null;
  }

  /**
   * IMM counts a person's frames as images (they are images to it): imageCount loses them, videoCount is the
   * number of distinct videos among them, and a cover that is a frame becomes its video at that time.
   */
  async withVideos(person: PersonRecord): Promise<PersonRecord> {
    const cover = person.cover && frameOf(person.cover.uri);
    const withCover: PersonRecord = cover
      ? { ...person, cover: { ...person.cover!, uri: cover.videoUri, timeSeconds: cover.timeSeconds } }
      : person;
    if (!this.framesPrefix) return withCover;
    const uris: string[] = [];
    let total: number | undefined;
    let token: string | undefined;
    for (let pages = 0; pages < MAX_COUNT_PAGES; pages++) {
      const res = await mapped(
        this.client.call('SimpleQuery', {
          ...this.pd,
          Query: {
            Operation: 'and',
            SubQueries: [
              { Field: FACE_CLUSTER_FIELD, Operation: 'eq', Value: person.id },
              { Field: 'URI', Operation: 'prefix', Value: this.framesPrefix },
            ],
          },
          WithFields: ['URI'],
          MaxResults: 100,
          NextToken: token,
        }),
      );
      total ??= res.TotalHits;
      uris.push(...(res.Files ?? []).map((f) => f.URI));
      token = res.NextToken || undefined;
      if (!token) break;
    }
    const frames = total ?? uris.length;
    const videos = new Set(uris.map((u) => frameOf(u)?.videoUri).filter(Boolean)).size;
    return {
      ...withCover,
      imageCount: Math.max(0, withCover.imageCount - frames),
      videoCount: videos,
    };
  }

  /** Photos in the dataset: every file outside the frame prefix (null: no bucket known, all files). */
  async photoCount(): Promise<number | null> {
    if (!this.framesPrefix) return null;
    const res = await mapped(
      this.client.call('SimpleQuery', {
        ...this.pd,
        Query: {
          Operation: 'not',
          SubQueries: [{ Field: 'URI', Operation: 'prefix', Value: this.framesPrefix }],
        },
        WithFields: ['URI'],
        MaxResults: 1,
      }),
    );
    return res.TotalHits ?? null;
  }
}

/** A frame is never a photo of the album; a video is its frames. */
export const isFrameUri = (uri: string): boolean => parseOssUri(uri)?.key.startsWith(FRAME_PREFIX) ?? false;
export const isVideoUri = (uri: string): boolean => isVideoKey(parseOssUri(uri)?.key ?? uri);
