import { useEffect, useState } from 'preact/hooks';
import { api, type Capabilities, displayName, type Face, type Person, type Photo } from '../api';
import { ErrorNote } from '../components/error-note';
import { PhotoWithBoxes } from '../components/face-boxes';
import { FaceImage } from '../components/face-image';
import { VideoPlayer } from '../components/video-media';
import { emitPersonEvent } from '../people-events';
import { href } from '../router';

/** One photo: every face boxed and labelled with its person or "Unknown", with age, gender and why a face has no person. */
export function PhotoView({ uri, caps }: { uri: string; caps: Capabilities }) {
  const [photo, setPhoto] = useState<Photo | null>(null);
  const [people, setPeople] = useState<Map<string, Person>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);

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

  if (!photo) return error ? <ErrorNote error={error} /> : <p role="status">Loading…</p>;
  const labelOf = (f: Face) => {
    const p = f.personId ? people.get(f.personId) : undefined;
    return p ? displayName(p) : 'Unknown';
  };
  const file = photo.key.split('/').pop() ?? photo.key;
  return (
    <section aria-labelledby="photo-title" class="photo-view">
      <p>
        <a href={href.people()}>← People</a>
      </p>
      <h1 id="photo-title">{file}</h1>
      <p class="muted">
        {photo.key}
        {photo.width && photo.height ? ` · ${photo.width}×${photo.height}` : ''}
        {photo.takenAt ? ` · taken ${new Date(photo.takenAt).toLocaleString()}` : ''} · {photo.faces.length}{' '}
        {photo.faces.length === 1 ? 'face' : 'faces'}
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
            label: `${i + 1}. ${labelOf(f)}`,
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
            onAssigned={() => {
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
  onAssigned,
  onError,
}: {
  face: Face;
  person: Person | undefined;
  caps: Capabilities;
  onAssigned: () => void;
  onError: (e: unknown) => void;
}) {
  const name = person ? displayName(person) : 'Unknown';
  return (
    <li class="face-row">
      <FaceImage class="face small" src={face.faceUrl} alt={`Face: ${name}`} width={64} height={64} />
      <div>
        <p>
          {person ? <a href={href.person(person.id)}>{name}</a> : <strong>Unknown</strong>}
          <span class="muted">
            {face.age !== null ? ` · age about ${Math.round(face.age)}` : ''}
            {face.gender ? ` · ${face.gender}` : ''}
            {face.quality !== null ? ` · quality ${face.quality.toFixed(2)}` : ''}
          </span>
        </p>
        {face.clusterable ? (
          !person && <p class="muted">Clusterable: it joins a person once more photos of them are seen.</p>
        ) : (
          <p class="why">
            Cannot found a person: {face.unclusterableReasons.map((r) => r.message).join('; ')}.
          </p>
        )}
        {!person &&
          (caps.assignFace ? (
            <AssignFace faceId={face.id} onAssigned={onAssigned} onError={onError} />
          ) : (
            <p class="muted unavailable">Giving a face to a person is not available on this backend.</p>
          ))}
      </div>
    </li>
  );
}

/** Gives an unknown face to a person chosen from the people list (by name). */
function AssignFace({
  faceId,
  onAssigned,
  onError,
}: {
  faceId: string;
  onAssigned: () => void;
  onError: (e: unknown) => void;
}) {
  const [people, setPeople] = useState<Person[] | null>(null);
  const [choice, setChoice] = useState('');
  if (!people)
    return (
      <button
        type="button"
        onClick={() =>
          api.people({ sort: 'name', hidden: 'include', limit: 100 }).then((page) => {
            setPeople(page.items);
            setChoice(page.items[0]?.id ?? '');
          }, onError)
        }
      >
        Give to a person…
      </button>
    );
  const id = `assign-${faceId}`;
  return (
    <form
      class="assign"
      onSubmit={(e) => {
        e.preventDefault();
        if (choice) api.assignFace(faceId, choice).then(onAssigned, onError);
      }}
    >
      <label for={id}>Person</label>
      <select id={id} value={choice} onChange={(e) => setChoice((e.target as HTMLSelectElement).value)}>
        {people.map((p) => (
          <option key={p.id} value={p.id}>
            {displayName(p)}
          </option>
        ))}
      </select>
      <button type="submit" disabled={!choice}>
        Assign
      </button>
    </form>
  );
}
