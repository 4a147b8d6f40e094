import type { LocalAlbum } from '../local-runtime';
import { nestedDataDir, reconcile, walkPhotos } from '../watch/folder-walk';

/** `face-album status`: what is indexed, what is waiting, what was refused, and the last clustering. */
export async function albumStatus(album: LocalAlbum, dataDir: string) {
  const stats = await album.backend.stats();
  const pending = reconcile(
    await walkPhotos(album.folder, nestedDataDir(album.folder.root, dataDir)),
    album.photos.knownFiles(),
  );
  const rejected = album.photos.rejectedFiles();
  return {
    photosDir: album.folder.root,
    dataDir,
    photos: stats.photoCount,
    faces: stats.faceCount,
    people: stats.personCount,
    pending: {
      toIndex: pending.filter((c) => c.kind === 'created').length,
      toRemove: pending.filter((c) => c.kind === 'removed').length,
    },
    rejected: { count: rejected.length, files: rejected.slice(0, 20) },
    lastClustering: stats.lastClustering,
  };
}
