import { isClusterable } from '../../album/clusterable';
import type { Box } from '../../album/types';
import type { LocalAlbum } from '../local-runtime';

export interface ExportedFace {
  box: Box;
  personId: string | null;
  quality: number | null;
  clusterable: boolean;
  /** A face seen in a video: when. */
  timeSeconds?: number;
  embedding?: number[];
}
export interface ExportedPhoto {
  path: string;
  /** A video is one entry (never its frames), with its faces' times. */
  mediaType: 'image' | 'video';
  width: number | null;
  height: number | null;
  faces: ExportedFace[];
}
export interface AlbumExport {
  people: { id: string; name: string | null; faceCount: number; imageCount: number; videoCount: number }[];
  photos: ExportedPhoto[];
}

/** `face-album export`: the album as JSON; paths are relative to the photos folder. */
export function exportAlbum(
  album: Pick<LocalAlbum, 'people' | 'photos' | 'config'>,
  opts: { embeddings: boolean },
): AlbumExport {
  const people: AlbumExport['people'] = [];
  let cursor: string | undefined;
  do {
    const page = album.people.list({
      limit: 100,
      cursor,
      sort: 'imageCount',
      order: 'desc',
      hidden: 'include',
    });
    for (const p of page.items)
      people.push({
        id: p.id,
        name: p.name,
        faceCount: p.faceCount,
        imageCount: p.imageCount,
        videoCount: p.videoCount,
      });
    cursor = page.nextCursor ?? undefined;
  } while (cursor);

  const photos: ExportedPhoto[] = [];
  for (const photo of album.photos.allPhotos()) {
    const faces = album.photos.facesOfPhotos([photo.id]).get(photo.id) ?? [];
    const embeddings = opts.embeddings ? album.photos.embeddingsOfPhoto(photo.id) : null;
    photos.push({
      path: photo.path,
      mediaType: photo.mediaType,
      width: photo.width,
      height: photo.height,
      faces: faces.map((f) => ({
        box: f.box,
        personId: f.personId,
        quality: f.quality,
        // The rule as configured now (the stored flag reflects the rule at indexing time).
        clusterable: isClusterable(f, album.config.clusterable),
        ...(f.timeSeconds !== undefined ? { timeSeconds: f.timeSeconds } : {}),
        ...(embeddings ? { embedding: embeddings.get(f.id) ?? [] } : {}),
      })),
    });
  }
  return { people, photos };
}
