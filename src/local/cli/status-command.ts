import type { LocalLibraries } from '../local-libraries';
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

/** `face-album status` on a libraries data dir: the same figures per library. */
export async function librariesStatus(libs: LocalLibraries, dataDir: string) {
  const pending = reconcile(
    await walkPhotos(libs.folder, nestedDataDir(libs.folder.root, dataDir)),
    libs.knownFiles(),
  );
  const libraries = [];
  for (const name of libs.names()) {
    const lib = libs.library(name)!;
    const stats = await lib.backend.stats();
    const mine = pending.filter((c) => c.key.startsWith(`${name}/`));
    const rejected = lib.photos.rejectedFiles();
    libraries.push({
      name,
      photos: stats.photoCount,
      faces: stats.faceCount,
      people: stats.personCount,
      pending: {
        toIndex: mine.filter((c) => c.kind === 'created').length,
        toRemove: mine.filter((c) => c.kind === 'removed').length,
      },
      rejected: { count: rejected.length, files: rejected.slice(0, 20) },
      lastClustering: stats.lastClustering,
    });
  }
  return { photosDir: libs.folder.root, dataDir, libraries };
}
