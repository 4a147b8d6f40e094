import type { StatsRecord } from '../../album/types';
import type { LocalLibraries } from '../local-libraries';
import type { LocalAlbum } from '../local-runtime';
import type { PeopleStore } from '../store/people-store';
import type { PhotoStore } from '../store/photo-store';
import { nestedDataDir, reconcile, walkPhotos } from '../watch/folder-walk';
import type { FolderChange } from '../watch/oss-event-builder';

/** `face-album status`: what is indexed, what is waiting, what was refused, and the last clustering. */
export async function albumStatus(album: LocalAlbum, dataDir: string) {
  const stats = await album.backend.stats();
  const pending = reconcile(
    await walkPhotos(album.folder, nestedDataDir(album.folder.root, dataDir)),
    album.photos.knownFiles(),
  );
  return {
    photosDir: album.folder.root,
    dataDir,
    ...figures(stats, pending, album.photos.rejectedFiles()),
    vectors: vectorsStatus(album.photos, album.people),
  };
}

/** One album's status figures: its counts, its changes waiting, every file it refused and why. */
function figures(
  stats: StatsRecord,
  pending: FolderChange[],
  rejected: ReturnType<PhotoStore['rejectedFiles']>,
) {
  return {
    photos: stats.photoCount,
    faces: stats.faceCount,
    people: stats.personCount,
    pending: {
      toIndex: pending.filter((c) => c.kind === 'created').length,
      toRemove: pending.filter((c) => c.kind === 'removed').length,
    },
    rejected: { count: rejected.length, files: rejected },
    lastClustering: stats.lastClustering,
  };
}

/**
 * What the album's people were last clustered on, and the faces keeping it off fused vectors (analysed
 * before the engine made second vectors: `face-album reanalyse` gives them one).
 */
function vectorsStatus(photos: PhotoStore, people: PeopleStore) {
  const without = photos.facesWithoutSecond();
  return {
    clusteredOn: people.clusteredVectors(),
    facesWithoutSecond: without,
    ...(without > 0
      ? { hint: `${without} faces were analysed before second vectors: run \`face-album reanalyse\`` }
      : {}),
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
    const mine = pending.filter((c) => c.key.startsWith(`${name}/`));
    libraries.push({
      name,
      ...figures(await lib.backend.stats(), mine, lib.photos.rejectedFiles()),
      vectors: vectorsStatus(lib.photos, lib.people),
    });
  }
  return { photosDir: libs.folder.root, dataDir, libraries };
}
