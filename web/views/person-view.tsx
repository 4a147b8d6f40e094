import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  api,
  type Capabilities,
  displayName,
  type Person,
  type Photo,
  photoCount,
  type TaskRecord,
} from '../api';
import { ErrorNote } from '../components/error-note';
import { PhotoWithBoxes } from '../components/face-boxes';
import { FaceImage } from '../components/face-image';
import { LoadMore } from '../components/load-more';
import { usePaged } from '../components/use-paged';
import { VideoTile } from '../components/video-media';
import { emitPersonEvent, knownPerson } from '../people-events';
import { href } from '../router';
import { MergeDialog } from './merge-dialog';

/** One person: name in place, hide, merge, cover, and the photos with this person's face outlined. */
export function PersonView({ id, caps }: { id: string; caps: Capabilities }) {
  const [person, setPerson] = useState<Person | null>(() => knownPerson(id));
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [merging, setMerging] = useState(false);
  const [pending, setPending] = useState<TaskRecord | null>(null);
  const [photosKey, setPhotosKey] = useState(0);

  const load = useCallback(() => {
    setError(null);
    api.person(id).then(setPerson, setError);
  }, [id]);
  useEffect(() => {
    setNotice('');
    load();
  }, [load]);

  const fetchPhotos = useCallback((cursor?: string) => api.personPhotos(id, cursor), [id]);
  const photos = usePaged<Photo>(fetchPhotos, `${id}:${photosKey}`);

  const changed = (p: Person, message: string) => {
    setPerson(p);
    setNotice(message);
    emitPersonEvent({ kind: 'changed', person: p });
  };
  const act = (fn: () => Promise<unknown>) => fn().catch(setError);

  // An IMM merge is a task: shown as pending and polled until it is done, then everything reloads.
  useEffect(() => {
    if (pending?.status !== 'running') return;
    const id = pending.id;
    const timer = setTimeout(() => api.task(id).then(setPending, setError), 1500);
    return () => clearTimeout(timer);
  }, [pending]);
  const pendingDone = pending && pending.status !== 'running';
  useEffect(() => {
    if (!pendingDone) return;
    load();
    setPhotosKey((k) => k + 1);
    emitPersonEvent({ kind: 'stale' });
  }, [pendingDone, load]);

  if (!person) return error ? <ErrorNote error={error} retry={load} /> : <p role="status">Loading…</p>;
  const name = displayName(person);
  return (
    <section aria-labelledby="person-title" class="person">
      <p>
        <a href={href.people()}>← People</a>
      </p>
      <header class="person-head">
        <FaceImage
          class="face large"
          src={person.cover?.faceUrl}
          alt={`Face of ${name}`}
          width={160}
          height={160}
          eager
        />
        <div>
          <h1 id="person-title" class={person.name ? '' : 'unnamed'}>
            {name}
          </h1>
          <p class="muted">
            {photoCount(person.imageCount)} · {person.faceCount} faces
            {person.age ? ` · age about ${Math.round(person.age.avg)}` : ''}
            {person.gender ? ` · ${person.gender}` : ''}
            {person.hidden ? ' · hidden' : ''}
          </p>
          <NameForm
            person={person}
            onSaved={(p) => changed(p, `Saved as ${displayName(p)}.`)}
            onError={setError}
          />
          <div class="actions">
            <button
              type="button"
              onClick={() =>
                act(async () => {
                  const p = await api.updatePerson(person.id, { hidden: !person.hidden });
                  changed(p, p.hidden ? 'Hidden from People.' : 'Shown in People again.');
                })
              }
            >
              {person.hidden ? 'Unhide' : 'Hide'}
            </button>
            <button type="button" aria-haspopup="dialog" onClick={() => setMerging(true)}>
              Merge…
            </button>
          </div>
        </div>
      </header>
      <p role="status" class="notice">
        {notice}
      </p>
      {pending && (
        <p role="status" class={`task ${pending.status}`}>
          {pending.status === 'running'
            ? 'Merge pending: IMM is merging the people into this one…'
            : pending.status === 'succeeded'
              ? 'Merge done.'
              : `Merge failed: ${pending.message ?? pending.code ?? 'unknown error'}`}
        </p>
      )}
      <ErrorNote error={error} />
      {(!caps.rejectFace || !caps.chooseCover) && (
        <p class="muted unavailable">
          Not available on the {caps.backend === 'imm' ? 'IMM' : caps.backend} backend:{' '}
          {[
            !caps.rejectFace && '"Not this person" on a single photo',
            !caps.chooseCover && 'choosing the cover',
          ]
            .filter(Boolean)
            .join(', ')}
          .
        </p>
      )}
      <h2>Photos</h2>
      <ul class="photo-grid" aria-label="Photos">
        {photos.items.map((photo) =>
          photo.mediaType === 'video' ? (
            <VideoTile key={photo.uri} video={photo} who={name} />
          ) : (
            <PhotoTile
              key={photo.uri}
              photo={photo}
              person={person}
              caps={caps}
              onRejected={(faceId) =>
                act(async () => {
                  await api.rejectFace(person.id, faceId);
                  photos.setItems((items) => items.filter((p) => p.uri !== photo.uri));
                  const p = await api.person(person.id).catch(() => null);
                  if (p) changed(p, `Removed ${name} from ${photo.key}.`);
                  else {
                    emitPersonEvent({ kind: 'gone', id: person.id });
                    setNotice(`Removed the last photo of ${name}.`);
                  }
                })
              }
              onCover={(faceId) =>
                act(async () => changed(await api.setCover(person.id, faceId), 'Cover changed.'))
              }
            />
          ),
        )}
      </ul>
      <LoadMore list={photos} label="Show more photos" />
      {merging && (
        <MergeDialog
          into={person}
          caps={caps}
          onClose={() => setMerging(false)}
          onMerged={(task, from) => {
            setMerging(false);
            for (const gone of from) emitPersonEvent({ kind: 'gone', id: gone });
            if (task.status === 'running') setPending(task);
            else {
              setNotice(`Merged ${from.length} ${from.length === 1 ? 'person' : 'people'} into ${name}.`);
              load();
              setPhotosKey((k) => k + 1);
              emitPersonEvent({ kind: 'stale' });
            }
          }}
        />
      )}
    </section>
  );
}

function NameForm({
  person,
  onSaved,
  onError,
}: {
  person: Person;
  onSaved: (p: Person) => void;
  onError: (e: unknown) => void;
}) {
  const [value, setValue] = useState(person.name ?? '');
  const [saving, setSaving] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => setValue(person.name ?? ''), [person.name]);
  const dirty = value.trim() !== (person.name ?? '');
  return (
    <form
      class="name-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!dirty || saving) return;
        setSaving(true);
        api
          .updatePerson(person.id, { name: value.trim() || null })
          .then(onSaved, onError)
          .finally(() => setSaving(false));
      }}
    >
      <label for="person-name">Name</label>
      <input
        id="person-name"
        ref={input}
        value={value}
        maxLength={128}
        placeholder="Add a name"
        autoComplete="off"
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
      />
      <button type="submit" disabled={!dirty || saving}>
        {saving ? 'Saving…' : 'Save'}
      </button>
    </form>
  );
}

function PhotoTile({
  photo,
  person,
  caps,
  onRejected,
  onCover,
}: {
  photo: Photo;
  person: Person;
  caps: Capabilities;
  onRejected: (faceId: string) => void;
  onCover: (faceId: string) => void;
}) {
  const mine = photo.faces.filter((f) => f.personId === person.id);
  const face = mine[0];
  const isCover = !!face && person.cover?.uri === photo.uri;
  const file = photo.key.split('/').pop() ?? photo.key;
  return (
    <li class="photo-tile">
      <a href={href.photo(photo.uri)} aria-label={`Open ${file}`}>
        <PhotoWithBoxes
          photo={photo}
          marks={mine.map((f) => ({ face: f, tone: 'mine' as const }))}
          alt={`${file}, ${displayName(person)} outlined`}
        />
      </a>
      {face && (
        <div class="tile-actions">
          {caps.rejectFace && (
            <button type="button" class="danger" onClick={() => onRejected(face.id)}>
              Not this person
            </button>
          )}
          {caps.chooseCover &&
            (isCover ? (
              <span class="muted">Cover</span>
            ) : (
              <button type="button" onClick={() => onCover(face.id)}>
                Use as cover
              </button>
            ))}
        </div>
      )}
    </li>
  );
}
