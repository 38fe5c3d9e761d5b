import { useEffect, useRef, type ReactNode } from 'react';
import { usePageTitle } from '../lib/router';

/** The page's h1: sets the document title and takes focus when the page opens (for screen readers). */
export function PageHeading({
  children,
  title,
  sub,
}: {
  children: ReactNode;
  title: string;
  sub?: ReactNode;
}) {
  const ref = useRef<HTMLHeadingElement>(null);
  usePageTitle(title);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <header className="page-heading">
      <h1 ref={ref} tabIndex={-1}>
        {children}
      </h1>
      {sub && <div className="page-sub">{sub}</div>}
    </header>
  );
}
