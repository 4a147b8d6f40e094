import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type PeopleSearch, personLabel } from '../api';
import { ErrorNote } from '../components/error-note';
import { FaceImage } from '../components/face-image';
import { href } from '../router';

/**
 * "Who is this?": drop or pick a photo (not added to the album) and see the people its faces match
 * (POST /people/search). Shown only where the server has the route.
 */
export function WhoIsThis() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        Who is this?
      </button>
      {open && <WhoIsThisDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function WhoIsThisDialog({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [result, setResult] = useState<PeopleSearch | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [preview, setPreview] = useState<string | null>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  useEffect(() => () => void (preview && URL.revokeObjectURL(preview)), [preview]);
  const search = (file: File | undefined) => {
    if (!file) return;
    setPreview(URL.createObjectURL(file));
    setBusy(true);
    setError(null);
    setResult(null);
    api
      .searchPeople(file)
      .then(setResult, setError)
      .finally(() => setBusy(false));
  };
  return (
    <dialog ref={ref} class="picker who" aria-labelledby="who-title" onClose={onClose}>
      <h2 id="who-title">Who is this?</h2>
      <label
        class="drop"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          search(e.dataTransfer?.files[0]);
        }}
      >
        Drop a photo here, or choose one
        <input
          type="file"
          accept="image/*"
          onChange={(e) => search((e.target as HTMLInputElement).files?.[0])}
        />
      </label>
      <p class="muted">The photo is only compared with the album's people, not added to it.</p>
      {preview && <img class="who-preview" src={preview} alt="What was searched" />}
      {busy && <p role="status">Looking for faces…</p>}
      <ErrorNote error={error} />
      {result && (
        <div role="status">
          {!result.faces.length && <p>No face found in this photo.</p>}
          {result.faces.map((f, i) => (
            <section key={`${f.box.left}:${f.box.top}`} class="who-face">
              <h3>{result.faces.length > 1 ? `Face ${i + 1}` : 'The face'}</h3>
              {f.matches.length ? (
                <ul class="pick-list" aria-label={`Matches for face ${i + 1}`}>
                  {f.matches.map((m) => (
                    <li key={m.person.id}>
                      <a class="pick" href={href.person(m.person.id)} onClick={() => ref.current?.close()}>
                        <FaceImage
                          class="face small"
                          src={m.person.cover?.faceUrl}
                          alt=""
                          width={48}
                          height={48}
                        />
                        <span>{personLabel(m.person)}</span>
                        <span class="muted">{Math.round(m.similarity * 100)}% alike</span>
                      </a>
                    </li>
                  ))}
                </ul>
              ) : (
                <p>No likely match</p>
              )}
            </section>
          ))}
        </div>
      )}
      <div class="dialog-actions">
        <button type="button" onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
