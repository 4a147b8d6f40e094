import { useRef, useState } from 'preact/hooks';
import type { Photo } from '../api';
import { href } from '../router';
import { FaceImage } from './face-image';

type Video = Extract<Photo, { mediaType: 'video' }>;

/** Seconds as m:ss (h:mm:ss past an hour). */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

const fileOf = (p: Photo) => p.key.split('/').pop() ?? p.key;

/** The play badge and length drawn over a video's poster. */
export function VideoBadge({ durationSeconds }: { durationSeconds: number | null }) {
  return (
    <span class="video-badge">
      <span aria-hidden="true">▶</span> {durationSeconds !== null ? clock(durationSeconds) : 'video'}
    </span>
  );
}

/**
 * Plays a video (its signed URL) and lists its appearances as buttons that seek to them: a person's
 * list gives that person's spans, a video's own page everyone's.
 */
export function VideoPlayer({ video, who }: { video: Video; who?: string }) {
  const player = useRef<HTMLVideoElement>(null);
  const file = fileOf(video);
  const playFrom = (t: number) => {
    const v = player.current;
    if (!v) return;
    v.currentTime = t;
    void v.play().catch(() => undefined);
  };
  return (
    <div class="video-player">
      {/* biome-ignore lint/a11y/useMediaCaption: home videos have no captions to offer */}
      <video
        ref={player}
        controls
        preload="metadata"
        poster={video.photoUrl}
        src={video.videoUrl}
        aria-label={`Video ${file}`}
      />
      {video.appearances.length > 0 && (
        <ul class="appearances" aria-label={who ? `When ${who} appears` : 'When people appear'}>
          {video.appearances.map((a) => (
            <li key={a.fromSeconds}>
              <button type="button" onClick={() => playFrom(a.fromSeconds)}>
                Play from {clock(a.fromSeconds)}
              </button>
              {a.toSeconds > a.fromSeconds && <span class="muted"> to {clock(a.toSeconds)}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A video in a person's list: its poster with a play badge; opened, it plays here with the person's appearances. */
export function VideoTile({ video, who }: { video: Video; who: string }) {
  const [open, setOpen] = useState(false);
  const file = fileOf(video);
  return (
    <li class="photo-tile video-tile">
      {open ? (
        <VideoPlayer video={video} who={who} />
      ) : (
        <button type="button" class="video-poster" onClick={() => setOpen(true)} aria-label={`Play ${file}`}>
          <FaceImage
            src={video.photoUrl}
            alt=""
            width={video.width ?? undefined}
            height={video.height ?? undefined}
          />
          <VideoBadge durationSeconds={video.durationSeconds} />
        </button>
      )}
      <p class="muted">
        <a href={href.photo(video.uri)}>{file}</a>
      </p>
    </li>
  );
}
