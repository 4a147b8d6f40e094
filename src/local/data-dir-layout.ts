import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a data dir holds, by mode. Single mode (`start`): `album.db`, `thumbnails/`, `media-secret` at the
 * top. Libraries mode (`start --libraries`): `libraries.json` (the photos folder it belongs to),
 * `token-secret`, and one album per library under `libraries/<library>/` (album.db, thumbnails/,
 * media-secret). A data dir is one or the other: opened in the other mode it is refused, never mixed.
 */
export const SINGLE_ALBUM_DB = 'album.db';
export const LIBRARIES_MANIFEST = 'libraries.json';
export const LIBRARIES_DIR = 'libraries';

export const libraryStoreDir = (dataDir: string, library: string) => join(dataDir, LIBRARIES_DIR, library);

/** Whether the data dir was made by `start --libraries`. */
export const isLibrariesDataDir = (dataDir: string): boolean => existsSync(join(dataDir, LIBRARIES_MANIFEST));

/** Single mode refuses a libraries data dir (before creating its own album.db in it). */
export function refuseLibrariesDataDir(dataDir: string): void {
  if (isLibrariesDataDir(dataDir))
    throw new Error(
      `the data dir ${dataDir} holds one album per library (made by \`start --libraries\`; \`start\` and \`scan\` open it with --libraries, \`status\`, \`export --library\` and \`recluster\` as it is); use another --data for a single album`,
    );
}

/** Libraries mode refuses a single-album data dir. */
export function refuseSingleDataDir(dataDir: string): void {
  if (existsSync(join(dataDir, SINGLE_ALBUM_DB)))
    throw new Error(
      `the data dir ${dataDir} holds a single album (made by \`start\` without --libraries); drop --libraries, or use another --data for libraries`,
    );
}

/**
 * The photos folder a libraries data dir belongs to, recorded on first use (as single mode records it in
 * album.db). `given`: --photos was passed; a different folder is then refused rather than read as
 * "every photo was deleted".
 */
export function bindLibrariesPhotosDir(dataDir: string, requested: string, given: boolean): string {
  const file = join(dataDir, LIBRARIES_MANIFEST);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify({ mode: 'libraries', photosDir: requested }, null, 2)}\n`, {
      flag: 'wx',
    });
  }
  let bound: string;
  try {
    bound = String((JSON.parse(readFileSync(file, 'utf8')) as { photosDir: unknown }).photosDir);
  } catch (err) {
    throw new Error(`${file} is damaged (${err instanceof Error ? err.message : String(err)})`);
  }
  if (bound === requested || !given) return bound;
  throw new Error(
    `the data dir ${dataDir} holds the libraries of ${bound}; pass --photos ${bound}, or use another --data for ${requested}`,
  );
}
