import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { onAlbumChanged } from '../album-events';
import {
  ApiError,
  api,
  displayName,
  hasPeopleSearch,
  type PageCaps,
  type Person,
  type Photo,
  photoCount,
  type TaskRecord,
} from '../api';
import { reportEdit } from '../components/edit-status';
import { ErrorNote } from '../components/error-note';
import { PhotoWithBoxes } from '../components/face-boxes';
import { FaceImage } from '../components/face-image';
import { LoadMore } from '../components/load-more';
import { nameMatches, PersonPicker } from '../components/person-picker';
import { usePaged } from '../components/use-paged';
import { useViewTitle } from '../components/use-view-focus';
import { VideoTile } from '../components/video-media';
import { emitPersonEvent, knownPerson } from '../people-events';
import { rememberPhotos } from '../photo-walk';
import { href } from '../router';
import { MergeDialog } from './merge-dialog';

/**
 * One person: name in place, hide, merge, cover, and the photos with this person's face outlined (only
 * those with other people too, picked with "With…"). Every edit reports to the status line with "Undo".
 */
export function PersonView({ id, caps }: { id: string; caps: PageCaps }) {
  const [person, setPerson] = useState<Person | null>(() => knownPerson(id));
  const [error, setError] = useState<unknown>(null);
  const [gone, setGone] = useState(false);
  const [merging, setMerging] = useState<Person[] | null>(null);
  const [pending, setPending] = useState<TaskRecord | null>(null);
  const [photosKey, setPhotosKey] = useState(0);
  const [namesake, setNamesake] = useState<Person | null>(null);
  const [withPeople, setWithPeople] = useState<Person[]>([]);
  const canWith = hasPeopleSearch(caps);
  const [pickingWith, setPickingWith] = useState(false);
  useViewTitle(person ? displayName(person) : null, 'person-title');

  const load = useCallback(() => {
    setError(null);
    api.person(id).then(
      (p) => {
        // A merged-away person answers with the person it became: show that one under its own address.
        if (p.id !== id) location.replace(href.person(p.id));
        else setPerson(p);
      },
      (err) => {
        if (err instanceof ApiError && err.status === 404) setGone(true);
        else setError(err);
      },
    );
  }, [id]);
  useEffect(load, [load]);

  const withIds = withPeople.map((p) => p.id);
  const fetchPhotos = useCallback(
    (cursor?: string) =>
      withIds.length ? api.photosWith([id, ...withIds], cursor) : api.personPhotos(id, cursor),
    [id, withIds.join(',')],
  );
  const photos = usePaged<Photo>(fetchPhotos, `${id}:${photosKey}:${withIds.join(',')}`);
  rememberPhotos(id, photos.items);
  const { refresh } = photos;
  useEffect(
    () =>
      onAlbumChanged(() => {
        load();
        refresh();
      }),
    [load, refresh],
  );

  const changed = (p: Person, message: string, editId: string | null) => {
    setPerson(p);
    reportEdit(message, editId);
    emitPersonEvent({ kind: 'changed', person: p });
  };
  const act = (fn: () => Promise<unknown>) => fn().catch(setError);
  // Renamed to a name someone else has: offer to merge the two (bug 3).
  const renamed = async (p: Person) => {
    setNamesake(null);
    if (!p.name) return;
    const page = await api.people({ sort: 'name', hidden: 'include', q: p.name, limit: 20 });
    const same = page.items.find(
      (o) => o.id !== p.id && o.name && nameMatches(o, p.name!) && nameMatches(p, o.name),
    );
    setNamesake(same ?? null);
  };

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

  if (gone)
    return (
      <section aria-labelledby="person-title" class="person">
        <h1 id="person-title" tabIndex={-1}>
          Not in the album
        </h1>
        <p>
          This person is no longer in the album (removed, or their faces went to other people).{' '}
          <a href={href.people()}>See everyone in People</a>.
        </p>
      </section>
    );
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
          <h1 id="person-title" tabIndex={-1} class={person.name ? '' : 'unnamed'}>
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
            onSaved={(p, editId) => {
              changed(p, p.name ? `Renamed to ${p.name}.` : 'Name removed.', editId);
              renamed(p).catch(() => setNamesake(null));
            }}
            onError={setError}
          />
          <div class="actions">
            <button
              type="button"
              onClick={() =>
                act(async () => {
                  const { value: p, editId } = await api.updatePerson(person.id, { hidden: !person.hidden });
                  changed(
                    p,
                    p.hidden ? `Hid ${name} from People.` : `${name} shows in People again.`,
                    editId,
                  );
                })
              }
            >
              {person.hidden ? 'Unhide' : 'Hide'}
            </button>
            <button type="button" aria-haspopup="dialog" onClick={() => setMerging([])}>
              Merge…
            </button>
            {canWith && (
              <button type="button" aria-haspopup="dialog" onClick={() => setPickingWith(true)}>
                With…
              </button>
            )}
          </div>
        </div>
      </header>
      {namesake && (
        <p class="namesake" role="status">
          Someone else is also called {namesake.name}.{' '}
          <button type="button" onClick={() => setMerging([namesake])}>
            Merge them…
          </button>{' '}
          <button type="button" class="plain" onClick={() => setNamesake(null)}>
            They are different people
          </button>
        </p>
      )}

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
      {withPeople.length > 0 && (
        <p class="with-people">
          Only photos with {name} and:{' '}
          {withPeople.map((w) => (
            <button
              key={w.id}
              type="button"
              class="chip"
              aria-label={`Remove ${displayName(w)} from the filter`}
              onClick={() => setWithPeople((ws) => ws.filter((x) => x.id !== w.id))}
            >
              {displayName(w)} ×
            </button>
          ))}
        </p>
      )}
      {photos.done && !photos.items.length && withPeople.length > 0 && (
        <p class="muted">No photo holds all of them.</p>
      )}
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
                  const { editId } = await api.rejectFace(person.id, faceId);
                  photos.setItems((items) => items.filter((p) => p.uri !== photo.uri));
                  const file = photo.key.split('/').pop() ?? photo.key;
                  const p = await api.person(person.id).catch(() => null);
                  if (p) changed(p, `${file} is no longer among ${name}'s photos.`, editId);
                  else {
                    emitPersonEvent({ kind: 'gone', id: person.id });
                    reportEdit(`Removed the last photo of ${name}.`, editId);
                  }
                })
              }
              onCover={(faceId) =>
                act(async () => {
                  const { value, editId } = await api.setCover(person.id, faceId);
                  changed(value, `New cover for ${name}.`, editId);
                })
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
          preselect={merging}
          onClose={() => setMerging(null)}
          onMerged={(task, from, editId, kept) => {
            setMerging(null);
            setNamesake(null);
            for (const gone of from) emitPersonEvent({ kind: 'gone', id: gone });
            if (task.status === 'running') setPending(task);
            else {
              const n = from.length;
              reportEdit(`Merged ${n} ${n === 1 ? 'person' : 'people'} into ${kept ?? name}.`, editId);
              load();
              setPhotosKey((k) => k + 1);
              emitPersonEvent({ kind: 'stale' });
            }
          }}
        />
      )}
      {pickingWith && (
        <PersonPicker
          title={`Photos of ${name} with…`}
          exclude={[person.id, ...withIds]}
          onClose={() => setPickingWith(false)}
          onPick={(p) => p !== 'new' && setWithPeople((ws) => [...ws, p])}
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
  onSaved: (p: Person, editId: string | null) => void;
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
          .then((r) => onSaved(r.value, r.editId), onError)
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
  caps: PageCaps;
  onRejected: (faceId: string) => void;
  onCover: (faceId: string) => void;
}) {
  const mine = photo.faces.filter((f) => f.personId === person.id);
  const face = mine[0];
  const isCover = !!face && person.cover?.uri === photo.uri;
  const file = photo.key.split('/').pop() ?? photo.key;
  return (
    <li class="photo-tile">
      <a href={href.photo(photo.uri, person.id)} aria-label={`Open ${file}`}>
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
