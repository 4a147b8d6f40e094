import { useEffect, useState } from 'preact/hooks';
import { api, type PageCaps, type StatsRecord } from '../api';
import { ErrorNote } from '../components/error-note';
import { useViewTitle } from '../components/use-view-focus';
import { IndexingProgress } from './people-view';
import { RecentEdits } from './recent-edits';

const CAPABILITY_NAMES: [keyof PageCaps, string][] = [
  ['rejectFace', '"Not this person" on one face'],
  ['assignFace', 'Give a face to a person'],
  ['chooseCover', 'Choose the cover face'],
  ['similarPeople', 'Similar-people suggestions'],
  ['detectUpload', 'Face detection on an uploaded image'],
  ['undo', 'Undo of every edit'],
  ['unknownFaces', 'Unknown faces (review, "Not a face")'],
];

/** Photos indexed / queued / refused, faces, people, clustering — refreshed every 5 s while open. */
export function StatusView({ caps }: { caps: PageCaps }) {
  useViewTitle('Status', 'status-title');
  const [stats, setStats] = useState<StatsRecord | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    let stop = false;
    const tick = () =>
      api
        .stats()
        .then((s) => {
          setStats(s);
          setError(null);
        }, setError)
        .finally(() => {
          if (!stop) timer = setTimeout(tick, 5000);
        });
    tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, []);
  const src = caps.source;
  return (
    <section aria-labelledby="status-title">
      <h1 id="status-title" tabIndex={-1}>
        Status
      </h1>
      <p>
        Backend: <strong>{caps.backend === 'imm' ? 'Alibaba Cloud IMM' : 'local (this machine)'}</strong> ·
        photos from{' '}
        {src.kind === 'folder' ? (
          <code>{src.path}</code>
        ) : (
          <code>
            oss://{src.bucket}/{src.prefix}
          </code>
        )}
      </p>
      <ErrorNote error={error} />
      {stats ? <IndexingProgress stats={stats} /> : !error && <p role="status">Loading…</p>}
      <h2>What this backend can do</h2>
      <ul class="capabilities">
        {CAPABILITY_NAMES.map(([key, label]) => (
          <li key={key}>
            {label}: <strong>{caps[key] ? 'available' : 'not available'}</strong>
          </li>
        ))}
        <li>
          Merging: <strong>{caps.mergeIsTask ? 'runs as a task (shown as pending)' : 'immediate'}</strong>
        </li>
      </ul>
      {caps.undo && <RecentEdits />}
    </section>
  );
}
