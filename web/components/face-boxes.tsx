import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Face, Photo } from '../api';
import { FaceImage } from './face-image';

export interface BoxMark {
  face: Face;
  /** Shown on the box; on a narrow screen only the number (the list below names every face). */
  number?: number;
  label?: string;
  /** Outline style: the person's own face stands out. */
  tone: 'mine' | 'known' | 'unknown';
}

/**
 * A photo with faces outlined. Boxes are placed in percent of the photo's size, so they stay on the
 * faces at any display size; the size comes from the API, or from the image once loaded.
 */
export function PhotoWithBoxes({
  photo,
  marks,
  alt,
  eager,
  children,
}: {
  photo: Photo;
  marks: BoxMark[];
  alt: string;
  eager?: boolean;
  children?: ComponentChildren;
}) {
  const [natural, setNatural] = useState<{ w: number; h: number } | null>(null);
  const w = photo.width ?? natural?.w;
  const h = photo.height ?? natural?.h;
  return (
    <div
      class="boxed-photo"
      style={w && h ? { aspectRatio: `${w} / ${h}`, maxWidth: `${Math.max(w, 320)}px` } : undefined}
    >
      <FaceImage src={photo.photoUrl} alt={alt} width={w} height={h} eager={eager} />
      {!photo.width && (
        <img
          hidden
          alt=""
          src={photo.photoUrl}
          onLoad={(e) => {
            const img = e.currentTarget as HTMLImageElement;
            setNatural({ w: img.naturalWidth, h: img.naturalHeight });
          }}
        />
      )}
      {w &&
        h &&
        marks.map((m) => (
          <span
            key={m.face.id}
            class={`face-box ${m.tone}`}
            style={{
              left: `${(m.face.box.left / w) * 100}%`,
              top: `${(m.face.box.top / h) * 100}%`,
              width: `${(m.face.box.width / w) * 100}%`,
              height: `${(m.face.box.height / h) * 100}%`,
            }}
            aria-hidden="true"
          >
            {m.label && (
              <span class="face-label">
                {m.number !== undefined && <span class="n">{m.number}.</span>}
                <span class="who"> {m.label}</span>
              </span>
            )}
          </span>
        ))}
      {children}
    </div>
  );
}
