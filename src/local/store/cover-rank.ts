/**
 * How good a face is as a person's automatic cover (when the user chose none), as SQL over a row with
 * the analysis columns (`a` = its alias): the face quality (sharpness, size, detector confidence), less
 * how far the head is turned (yaw and pitch, 0.11 per 10°), less 0.5 for closed eyes, plus 0.1 for a
 * smile. Clusterable faces still come first (person-stats COVER_ORDER). Kept on `faces.cover_rank`,
 * written with the face (photo-store upsertPhoto) and when `reanalyse` adds attributes.
 * Measured on faces-dev people with `tsx bench/cover-choice.ts` (docs/ask-the-album.md).
 */
export const coverRankSql = (a: string): string =>
  `(COALESCE(${a}.quality, 0) - (abs(COALESCE(${a}.yaw, 90)) + abs(COALESCE(${a}.pitch, 90))) / 90.0
    - 0.5 * (json_extract(${a}.attributes, '$.eyes.value') IS 'closed')
    + 0.1 * (json_extract(${a}.attributes, '$.emotion.value') IS 'happiness'))`;
