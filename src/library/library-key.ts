import { libraryNameProblem } from './library-name';

export type LibraryOfKey = { library: string } | { library: null; reason: string };

/**
 * The library an object key belongs to in prefix mode: the first path segment under the photo prefix
 * (`photos/<library>/…`). A key directly under the prefix, or under a folder that is not a valid
 * library name, belongs to none and is skipped — never indexed into some other library.
 */
export function libraryOfKey(key: string, photoPrefix: string): LibraryOfKey {
  if (!key.startsWith(photoPrefix)) return { library: null, reason: `outside PHOTO_PREFIX "${photoPrefix}"` };
  const rest = key.slice(photoPrefix.length);
  const slash = rest.indexOf('/');
  if (slash < 0)
    return {
      library: null,
      // Locally there is no prefix: the photos folder itself.
      reason: `directly under ${photoPrefix ? 'PHOTO_PREFIX' : 'the photos folder'}, not in a library folder`,
    };
  const library = rest.slice(0, slash);
  const problem = libraryNameProblem(library);
  return problem ? { library: null, reason: `not a library folder (${problem})` } : { library };
}

/** The photo prefix of one library: what its album's photo filter accepts. */
export function libraryPhotoPrefix(photoPrefix: string, library: string): string {
  return `${photoPrefix}${library}/`;
}
