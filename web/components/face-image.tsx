import { useState } from 'preact/hooks';

interface Props {
  src: string | null | undefined;
  alt: string;
  class?: string;
  width?: number;
  height?: number;
  eager?: boolean;
}

/** A lazily loaded image that turns into a labelled placeholder when it cannot load (expired link, missing photo). */
export function FaceImage({ src, alt, class: cls, width, height, eager }: Props) {
  const [failed, setFailed] = useState(false);
  if (!src || failed)
    return (
      <span
        class={`placeholder ${cls ?? ''}`}
        {...(alt ? { role: 'img', 'aria-label': `${alt} (not available)` } : { 'aria-hidden': 'true' })}
      >
        ?
      </span>
    );
  return (
    <img
      class={cls}
      src={src}
      alt={alt}
      width={width}
      height={height}
      loading={eager ? 'eager' : 'lazy'}
      decoding="async"
      onError={() => setFailed(true)}
    />
  );
}
