import { Component } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { onAlbumChanged } from '../album-events';
import { api, displayName, type LinkedFace, type UnknownGroup } from '../api';
import { reportEdit } from '../components/edit-status';
import { ErrorNote } from '../components/error-note';
import { FaceImage } from '../components/face-image';
import { LoadMore } from '../components/load-more';
import { PersonPicker } from '../components/person-picker';
import { usePaged } from '../components/use-paged';
import { useViewTitle } from '../components/use-view-focus';
import { emitPersonEvent } from '../people-events';
import { href } from '../router';

/** Every face id of a group: its sample faces are at most 8, the rest come page by page. */
async function groupFaceIds(group: UnknownGroup): Promise<string[]> {
  if (group.size <= group.faces.length) return group.faces.map((f) => f.id);
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.unknownGroup(group.id, cursor);
    ids.push(...page.items.map((f) => f.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

/** The routes take at most 500 faces per call; a large group goes in several. */
async function inBatches(ids: string[], fn: (batch: string[]) => Promise<{ editId: string | null }>) {
  let editId: string | null = null;
  for (let i = 0; i < ids.length; i += 500) editId = (await fn(ids.slice(i, i + 500))).editId;
  // Undo undoes the last batch only when there were several; a group above 500 faces is rare.
  return ids.length <= 500 ? editId : null;
}

/**
 * Faces that belong to no person, grouped by similarity, largest group first (paged: an album with 20k
 * unknown faces loads 24 groups at a time). A group, or the faces ticked in it, can be given to a person
 * (or a new one) or marked "Not a face"; faces marked so are listed below to take back.
 */
export function UnknownFacesView() {
  useViewTitle('Unknown faces', 'unknown-title');
  const fetchPage = useCallback((cursor?: string) => api.unknownGroups(cursor), []);
  const groups = usePaged<UnknownGroup>(fetchPage, 'unknown');
  const { refresh } = groups;
  useEffect(() => onAlbumChanged(refresh), [refresh]);
  const [showMarked, setShowMarked] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const drop = (id: string) => groups.setItems((items) => items.filter((g) => g.id !== id));
  return (
    <section aria-labelledby="unknown-title" class="unknown">
      <h1 id="unknown-title" tabIndex={-1}>
        Unknown faces
      </h1>
      <p class="muted">
        Faces that belong to no one yet, similar faces together, the largest groups first. Give a group (or
        the faces you tick) to a person, or mark what is not a face: it is then left out of people and counts.
      </p>
      <ErrorNote error={error} />
      <ul class="unknown-groups" aria-label="Groups of unknown faces">
        {groups.items.map((g) => (
          <KeptRow key={g.id} group={g} onDone={() => drop(g.id)} onChanged={refresh} onError={setError} />
        ))}
      </ul>
      {groups.done && !groups.items.length && !groups.error && (
        <p>Every face belongs to a person (or is marked not a face).</p>
      )}
      <LoadMore list={groups} label="Show more groups" />
      <h2>Marked "Not a face"</h2>
      {showMarked ? (
        <NotFaces onError={setError} onChanged={refresh} />
      ) : (
        <button type="button" onClick={() => setShowMarked(true)}>
          Show faces marked "Not a face"
        </button>
      )}
    </section>
  );
}

interface RowProps {
  group: UnknownGroup;
  onDone: () => void;
  onChanged: () => void;
  onError: (e: unknown) => void;
}

/**
 * A group's row renders again for a new group object (a refresh) or its own state, not each time a page
 * is appended: deep in the list (1,000 groups after 40 pages) re-diffing every row made each next page
 * slower than the one before (bench/unknown-faces.ts). Its callbacks only reach stable setters.
 */
class KeptRow extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    return next.group !== this.props.group;
  }
  override render(props: RowProps) {
    return <GroupRow {...props} />;
  }
}

function GroupRow({ group, onDone, onChanged, onError }: RowProps) {
  const [ticked, setTicked] = useState<Set<string>>(new Set());
  const [picking, setPicking] = useState(false);
  const [busy, setBusy] = useState(false);
  const label = `${group.size} ${group.size === 1 ? 'face' : 'faces'}`;
  const which = ticked.size ? `${ticked.size} ticked` : group.size === 1 ? 'this face' : `all ${group.size}`;
  const targets = async () => (ticked.size ? [...ticked] : groupFaceIds(group));
  const finish = (message: string, editId: string | null, n: number) => {
    reportEdit(message, editId);
    if (n >= group.size) onDone();
    else onChanged();
    setTicked(new Set());
    emitPersonEvent({ kind: 'stale' });
  };
  const run = (fn: () => Promise<void>) => {
    setBusy(true);
    fn()
      .catch(onError)
      .finally(() => setBusy(false));
  };
  return (
    <li class="unknown-group">
      <h2 class="group-title">{label}</h2>
      <ul class="unknown-faces" aria-label={`Faces in a group of ${label}`}>
        {group.faces.map((f, i) => (
          <FaceTick
            key={f.id}
            face={f}
            n={i + 1}
            ticked={ticked.has(f.id)}
            onTick={(on) =>
              setTicked((s) => {
                const next = new Set(s);
                if (on) next.add(f.id);
                else next.delete(f.id);
                return next;
              })
            }
          />
        ))}
        {group.size > group.faces.length && (
          <li class="more muted">+{group.size - group.faces.length} more</li>
        )}
      </ul>
      <div class="actions">
        <button type="button" aria-haspopup="dialog" disabled={busy} onClick={() => setPicking(true)}>
          Give {which} to…
        </button>
        <button
          type="button"
          class="danger"
          disabled={busy}
          onClick={() =>
            run(async () => {
              const ids = await targets();
              const editId = await inBatches(ids, (b) => api.notAFace(b, true));
              finish(
                `Marked ${ids.length} ${ids.length === 1 ? 'face' : 'faces'} as not a face.`,
                editId,
                ids.length,
              );
            })
          }
        >
          Not a face
        </button>
      </div>
      {picking && (
        <PersonPicker
          title={`Give ${which} to…`}
          allowNew
          onClose={() => setPicking(false)}
          onPick={(choice) =>
            run(async () => {
              const ids = await targets();
              // A new person is made by the first batch; the next batches join it.
              let to: { personId: string } | { newPerson: { name?: string } } =
                choice === 'new' ? { newPerson: {} } : { personId: choice.id };
              const editId = await inBatches(ids, async (b) => {
                const r = await api.assignFaces(b, to);
                to = { personId: r.value.personId };
                return r;
              });
              const who = choice === 'new' ? 'a new person' : displayName(choice);
              finish(
                `Gave ${ids.length} ${ids.length === 1 ? 'face' : 'faces'} to ${who}.`,
                editId,
                ids.length,
              );
            })
          }
        />
      )}
    </li>
  );
}

function FaceTick({
  face,
  n,
  ticked,
  onTick,
}: {
  face: LinkedFace;
  n: number;
  ticked: boolean;
  onTick: (on: boolean) => void;
}) {
  return (
    <li>
      <label class={`face-tick${ticked ? ' ticked' : ''}`}>
        <input
          type="checkbox"
          checked={ticked}
          onChange={(e) => onTick((e.target as HTMLInputElement).checked)}
        />
        <FaceImage class="face small" src={face.faceUrl} alt={`Face ${n}`} width={64} height={64} />
      </label>
      <a class="muted in-photo" href={href.photo(face.uri)}>
        photo
      </a>
    </li>
  );
}

/** Faces marked "Not a face", each with a way back. */
function NotFaces({ onError, onChanged }: { onError: (e: unknown) => void; onChanged: () => void }) {
  const fetchPage = useCallback((cursor?: string) => api.notFaces(cursor), []);
  const list = usePaged<LinkedFace>(fetchPage, 'not-faces');
  return (
    <>
      <ul class="unknown-faces" aria-label='Faces marked "Not a face"'>
        {list.items.map((f, i) => (
          <li key={f.id}>
            <FaceImage
              class="face small"
              src={f.faceUrl}
              alt={`Marked face ${i + 1}`}
              width={64}
              height={64}
            />
            <button
              type="button"
              onClick={() =>
                api.notAFace([f.id], false).then((r) => {
                  list.setItems((items) => items.filter((x) => x.id !== f.id));
                  reportEdit('The face is back among unknown faces.', r.editId);
                  onChanged();
                }, onError)
              }
            >
              Is a face
            </button>
          </li>
        ))}
      </ul>
      {list.done && !list.items.length && <p class="muted">None.</p>}
      <LoadMore list={list} label="Show more" />
    </>
  );
}
