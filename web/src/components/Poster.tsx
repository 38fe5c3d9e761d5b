import { useState } from 'react';

/** A movie poster (2:3); a titled placeholder when there is none or it fails to load. */
export function Poster({
  url,
  title,
  size = 'md',
}: {
  url: string | null;
  title: string;
  size?: 'sm' | 'md';
}) {
  const [failed, setFailed] = useState(false);
  if (!url || failed) {
    return (
      <div className={`poster poster-${size} poster-placeholder`} aria-hidden="true">
        <span>{title}</span>
      </div>
    );
  }
  return (
    <img
      className={`poster poster-${size}`}
      src={url}
      alt=""
      loading="lazy"
      decoding="async"
      width={size === 'sm' ? 80 : 160}
      height={size === 'sm' ? 120 : 240}
      onError={() => setFailed(true)}
    />
  );
}
