import { z } from 'zod';

/**
 * A library name becomes part of an IMM dataset name, `<IMM_DATASET>-<library>`, and a folder name
 * locally. IMM dataset names (CreateDataset, same rule as project names): 1–128 characters, letters,
 * digits, `-` and `_`, starting with a letter or `_` (shared/docs/cloud-reference.md §1.7). The library
 * part follows `IMM_DATASET-`, so it may start with a digit (ids such as UUIDs); it may not start with
 * `-`, and is at most 64 characters, so with `IMM_DATASET` ≤ 63 characters every dataset name is valid.
 * Case is kept: OSS keys and IMM names are case-sensitive, and app user ids are often mixed-case.
 */
export const LIBRARY_NAME_MAX = 64;
const LIBRARY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

export const LibraryNameSchema = z
  .string()
  .min(1, 'library name is empty')
  .max(LIBRARY_NAME_MAX, `library name is longer than ${LIBRARY_NAME_MAX} characters`)
  .regex(LIBRARY_NAME, 'library name: letters, digits, - and _ only, not starting with -');

/** Why `name` is not a library name, or null when it is one. */
export function libraryNameProblem(name: string): string | null {
  const parsed = LibraryNameSchema.safeParse(name);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? 'invalid library name');
}

/** The IMM dataset of a library. */
export function libraryDataset(datasetBase: string, library: string): string {
  return `${datasetBase}-${library}`;
}
