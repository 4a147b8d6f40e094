import type { AlbumBackend, PhotoSource } from './backend';
import type { FaceAttributeName } from './face-attributes';

/**
 * What the album behind this API can do, so a client shows what a backend cannot do as unavailable
 * rather than as a button that fails (IMM has no per-face edits; local merges finish at once).
 */
export interface Capabilities {
  backend: 'imm' | 'local';
  source: PhotoSource;
  /** POST /people/merge answers with a running task the client must poll (IMM) rather than a finished one. */
  mergeIsTask: boolean;
  chooseCover: boolean;
  similarPeople: boolean;
  assignFace: boolean;
  rejectFace: boolean;
  /** POST /detect with image bytes. */
  detectUpload: boolean;
  /** Keys Face.attributes may carry on this backend. */
  faceAttributes: FaceAttributeName[];
  /** The edit log (GET /edits) and POST /edits/:id/undo. */
  undo: boolean;
  /** GET /faces/unknown…, POST /faces/assign, POST/GET /faces/not-a-face. */
  unknownFaces: boolean;
}

export function capabilitiesOf(backend: AlbumBackend, fallbackSource: PhotoSource): Capabilities {
  return {
    backend: backend.kind,
    source: backend.photoSource?.() ?? fallbackSource,
    mergeIsTask: backend.kind === 'imm',
    chooseCover: typeof backend.setCover === 'function',
    similarPeople: typeof backend.similarPeople === 'function',
    assignFace: typeof backend.assignFace === 'function',
    rejectFace: typeof backend.rejectFace === 'function',
    detectUpload: backend.kind === 'local',
    faceAttributes: [...backend.faceAttributes],
    undo: typeof backend.undoEdit === 'function',
    unknownFaces: typeof backend.listUnknownGroups === 'function',
  };
}
