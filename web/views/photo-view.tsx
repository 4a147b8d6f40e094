import { useEffect, useState } from 'preact/hooks';
import { onAlbumChanged } from '../album-events';
import { api, displayName, type Face, type PageCaps, type Person, type Photo } from '../api';
import { reportEdit } from '../components/edit-status';
import { ErrorNote } from '../components/error-note';
import { PhotoWithBoxes } from '../components/face-boxes';
import { FaceImage } from '../components/face-image';
import { PersonPicker } from '../components/person-picker';
import { useViewTitle } from '../components/use-view-focus';
import { VideoPlayer } from '../components/video-media';
import { showsQuality, whyNoPerson } from '../face-words';
import { emitPersonEvent, knownPerson } from '../people-events';
import { neighbours } from '../photo-walk';
import { href } from '../router';

/**
 * One photo: every face boxed and labelled with its person or "Unknown", with age, gender and why a face
 * has no person. Opened from a person's photos, it steps through them (← → keys too) and leads back there.
 */
export function PhotoView({ uri, from, caps }: { uri: string; from: string | null; caps: PageCaps }) {
  const [photo, setPhoto] = useState<Photo | null>(null);
  const [people, setPeople] = useState<Map<string, Person>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const [walk, setWalk] = useState<{
    prev: string | null;
    next: string | null;
    index: number;
    total: number;
  } | null>(null);
  const [fromPerson, setFromPerson] = useState<Person | null>(() => (from ? knownPerson(from) : null));
  const file = photo ? (photo.key.split('/').pop() ?? photo.key) : null;
  useViewTitle(file, 'photo-title');

  useEffect(() => {
    let stale = false;
    setError(null);
    api.photo(uri).then(async (p) => {
      const ids = [...new Set(p.faces.map((f) => f.personId).filter((id): id is string => !!id))];
      const found = await Promise.all(ids.map((id) => api.person(id).catch(() => null)));
      if (stale) return;
      setPeople(new Map(found.filter((x): x is Person => !!x).map((x) => [x.id, x])));
      setPhoto(p);
    }, setError);
    return () => {
      stale = true;
    };
  }, [uri, version]);
  useEffect(() => onAlbumChanged(() => setVersion((v) => v + 1)), []);
  useEffect(() => {
    if (!from) return;
    neighbours(from, uri).then(setWalk, () => setWalk(null));
    if (!fromPerson) api.person(from).then(setFromPerson, () => {});
  }, [from, uri]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
      if ((e.target as HTMLElement).closest('input, select, textarea, dialog')) return;
      const to = e.key === 'ArrowLeft' ? walk?.prev : e.key === 'ArrowRight' ? walk?.next : null;
      if (to) location.hash = href.photo(to, from);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [walk, from]);

  const back = from ? (
    <a href={href.person(from)}>← {fromPerson ? displayName(fromPerson) : 'Back to the person'}</a>
  ) : (
    <a href={href.people()}>← People</a>
  );
  if (!photo)
    return (
      <section class="photo-view">
        <p>{back}</p>
        {error ? <ErrorNote error={error} /> : <p role="status">Loading…</p>}
      </section>
    );
  const labelOf = (f: Face) => {
    const p = f.personId ? people.get(f.personId) : undefined;
    return p ? displayName(p) : 'Unknown';
  };
  return (
    <section aria-labelledby="photo-title" class="photo-view">
      <nav class="photo-nav" aria-label="Photo">
        {back}
        {walk && (
          <span class="walk">
            {walk.prev ? (
              <a href={href.photo(walk.prev, from)} rel="prev">
                ← Previous photo
              </a>
            ) : (
              <span class="muted">← Previous photo</span>
            )}
            <span class="muted">
              {walk.index + 1} of {walk.total}
            </span>
            {walk.next ? (
              <a href={href.photo(walk.next, from)} rel="next">
                Next photo →
              </a>
            ) : (
              <span class="muted">Next photo →</span>
            )}
          </span>
        )}
      </nav>
      <h1 id="photo-title" tabIndex={-1}>
        {file}
      </h1>
      <p class="muted">
        {photo.takenAt ? `Taken ${new Date(photo.takenAt).toLocaleString()}` : 'No date in the photo'} ·{' '}
        {photo.key}
        {photo.width && photo.height ? ` · ${photo.width}×${photo.height}` : ''} · {photo.faces.length}{' '}
        {photo.faces.length === 1 ? 'face' : 'faces'} ·{' '}
        <a href={photo.photoUrl} target="_blank" rel="noopener noreferrer">
          Full size
        </a>
      </p>
      <ErrorNote error={error} />
      {photo.mediaType === 'video' ? (
        <VideoPlayer video={photo} />
      ) : (
        <PhotoWithBoxes
          photo={photo}
          eager
          alt={`${file}: ${photo.faces.map(labelOf).join(', ') || 'no faces'}`}
          marks={photo.faces.map((f, i) => ({
            face: f,
            number: i + 1,
            label: labelOf(f),
            tone: f.personId ? ('known' as const) : ('unknown' as const),
          }))}
        />
      )}
      <h2>Faces</h2>
      <ol class="face-list" aria-label="Faces">
        {photo.faces.map((f) => (
          <FaceRow
            key={f.id}
            face={f}
            person={f.personId ? people.get(f.personId) : undefined}
            caps={caps}
            onChanged={() => {
              setVersion((v) => v + 1);
              emitPersonEvent({ kind: 'stale' });
            }}
            onError={setError}
          />
        ))}
      </ol>
    </section>
  );
}

function FaceRow({
  face,
  person,
  caps,
  onChanged,
  onError,
}: {
  face: Face;
  person: Person | undefined;
  caps: PageCaps;
  onChanged: () => void;
  onError: (e: unknown) => void;
}) {
  const [picking, setPicking] = useState(false);
  const name = person ? displayName(person) : 'Unknown';
  const give = (choice: Person | 'new') => {
    const done = (editId: string | null, who: string) => {
      reportEdit(`Gave the face to ${who}.`, editId);
      onChanged();
    };
    if (choice === 'new')
      api.assignFaces([face.id], { newPerson: {} }).then((r) => done(r.editId, 'a new person'), onError);
    else if (caps.unknownFaces)
      api
        .assignFaces([face.id], { personId: choice.id })
        .then((r) => done(r.editId, displayName(choice)), onError);
    else api.assignFace(face.id, choice.id).then((r) => done(r.editId, displayName(choice)), onError);
  };
  return (
    <li class="face-row">
      <FaceImage class="face small" src={face.faceUrl} alt={`Face: ${name}`} width={64} height={64} />
      <div>
        <p>
          {person ? <a href={href.person(person.id)}>{name}</a> : <strong>Unknown</strong>}
          <span class="muted">
            {face.age !== null ? ` · age about ${Math.round(face.age)}` : ''}
            {face.gender ? ` · ${face.gender}` : ''}
            {showsQuality(face) && face.quality !== null ? ` · quality ${face.quality.toFixed(2)}` : ''}
          </span>
        </p>
        {face.clusterable ? (
          !person && <p class="muted">Clusterable: it joins a person once more photos of them are seen.</p>
        ) : (
          <p class="why">Not grouped into a person: {whyNoPerson(face)}.</p>
        )}
        {!person && (
          <div class="actions">
            {caps.assignFace ? (
              <button type="button" aria-haspopup="dialog" onClick={() => setPicking(true)}>
                Give to a person…
              </button>
            ) : (
              <p class="muted unavailable">Giving a face to a person is not available on this backend.</p>
            )}
            {caps.unknownFaces && (
              <button
                type="button"
                class="danger"
                onClick={() =>
                  api.notAFace([face.id], true).then((r) => {
                    reportEdit('Marked as not a face.', r.editId);
                    onChanged();
                  }, onError)
                }
              >
                Not a face
              </button>
            )}
          </div>
        )}
      </div>
      {picking && (
        <PersonPicker
          title="Give this face to…"
          allowNew={!!caps.unknownFaces}
          onClose={() => setPicking(false)}
          onPick={give}
        />
      )}
    </li>
  );
}
