import { parseOssUri } from '../album/photo-filter';
import type { PhotoOutcome } from '../album/types';
import type { AlbumConfig } from '../config/album-config';
import type { ImmConfig } from '../config/imm-config';
import type { ImmBackendOptions } from '../imm/imm-backend';
import type { ImmClient } from '../imm/imm-client';
import { libraryBackend } from '../imm/imm-libraries';
import { libraryOfKey } from '../library/library-key';
import type { Logger } from '../log/logger';
import type { PhotoSink } from './backfill-run';
import type { DatasetLister, DatasetPage } from './dataset-listing';

/**
 * Backfill over every library at once (LIBRARY_MODE=prefix without --library): one listing of
 * PHOTO_PREFIX, each photo sent to its library's dataset. The listing is in key order, so a batch holds
 * one library or a few neighbours; each part goes to its own BatchIndexFileMeta.
 */
export interface LibraryBackfillDeps {
  client: ImmClient;
  config: ImmConfig;
  album: Pick<AlbumConfig, 'photoPrefix'>;
  bucket: string;
  /** Frame capture of videos (each library's backend analyses its own). */
  video?: ImmBackendOptions['video'];
}

/** Groups URIs by library, in first-seen order. Callers pass only keys the refuse rule accepted. */
function byLibrary(uris: string[], photoPrefix: string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const uri of uris) {
    const of = libraryOfKey(parseOssUri(uri)?.key ?? '', photoPrefix);
    if (of.library === null) throw new Error(`${uri} belongs to no library (${of.reason})`);
    groups.set(of.library, [...(groups.get(of.library) ?? []), uri]);
  }
  return groups;
}

export class LibraryRoutingSink implements PhotoSink {
  constructor(private readonly deps: LibraryBackfillDeps) {}

  indexPhotos(uris: string[], log: Logger): Promise<PhotoOutcome[]> {
    return this.each(uris, log, (backend, part, libLog) => backend.indexPhotos(part, libLog));
  }

  removePhotos(uris: string[], log: Logger): Promise<PhotoOutcome[]> {
    return this.each(uris, log, (backend, part, libLog) => backend.removePhotos(part, libLog));
  }

  private async each(
    uris: string[],
    log: Logger,
    run: (backend: ReturnType<typeof libraryBackend>, part: string[], log: Logger) => Promise<PhotoOutcome[]>,
  ): Promise<PhotoOutcome[]> {
    const outcomes: PhotoOutcome[] = [];
    for (const [library, part] of byLibrary(uris, this.deps.album.photoPrefix))
      outcomes.push(...(await run(libraryBackend(this.deps, library), part, log.child({ library }))));
    return outcomes;
  }
}

/** Why a key belongs to no library, or null: what backfill skips (and logs) in prefix mode. */
export const refuseOutsideLibraries =
  (photoPrefix: string) =>
  (key: string): string | null => {
    const of = libraryOfKey(key, photoPrefix);
    return of.library === null ? of.reason : null;
  };

/**
 * Reconcile over every library: the files of each library's dataset in turn (libraries in name order, as
 * ListDatasets gives them). The page token carries the library and that dataset's own token.
 */
export class LibrariesDatasetLister implements DatasetLister {
  private libraries: Promise<string[]> | null = null;

  constructor(
    private readonly listLibraries: () => Promise<string[]>,
    private readonly listerOf: (library: string) => DatasetLister,
  ) {}

  /** `uriPrefix` is `oss://<bucket>/<PHOTO_PREFIX>`; each library's part of it is `<uriPrefix><library>/`. */
  async listPage(uriPrefix: string, token: string | null): Promise<DatasetPage> {
    this.libraries ??= this.listLibraries();
    const libraries = await this.libraries;
    const at = token ? (JSON.parse(token) as { l: string; t: string | null }) : null;
    const library = at ? at.l : libraries[0];
    if (library === undefined) return { uris: [], nextToken: null };
    const page = await this.listerOf(library).listPage(`${uriPrefix}${library}/`, at?.t ?? null);
    if (page.nextToken)
      return { uris: page.uris, nextToken: JSON.stringify({ l: library, t: page.nextToken }) };
    const next = libraries.find((name) => name > library);
    return { uris: page.uris, nextToken: next === undefined ? null : JSON.stringify({ l: next, t: null }) };
  }
}
