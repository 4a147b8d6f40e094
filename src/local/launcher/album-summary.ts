import type { Logger } from '../../log/logger';
import type { LocalBackend } from '../local-backend';

/**
 * The line a person at the terminal wants after a scan or a clustering pass: how big the album (or one
 * library, named) is now. human-format prints it as a sentence.
 */
export async function logAlbumSummary(
  log: Logger,
  backend: Pick<LocalBackend, 'stats'>,
  library?: string,
): Promise<void> {
  const stats = await backend.stats();
  log.info('album.summary', {
    ...(library === undefined ? {} : { library }),
    photos: stats.photoCount,
    faces: stats.faceCount,
    people: stats.personCount,
  });
}
