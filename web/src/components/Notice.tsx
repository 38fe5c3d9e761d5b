import { useEffect, useRef, type ReactNode } from 'react';
import { humanError } from '../lib/errors';
import { Icon, type IconName } from './Icon';

type Kind = 'error' | 'info' | 'success' | 'warning';

// SVG, not emoji: '⏱' and friends are missing from many system fonts and render as an empty box.
const ICON: Record<Kind, IconName> = { error: 'alert', info: 'info', success: 'check', warning: 'clock' };

/** A message box. Errors are announced (role=alert) and can take focus so keyboard users land on them. */
export function Notice({
  kind,
  title,
  children,
  focus = false,
  testId,
}: {
  kind: Kind;
  title?: string;
  children?: ReactNode;
  focus?: boolean;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus]);
  return (
    <div
      ref={ref}
      className={`notice notice-${kind}`}
      role={kind === 'error' || kind === 'warning' ? 'alert' : 'status'}
      tabIndex={focus ? -1 : undefined}
      data-testid={testId}
    >
      <span className="notice-icon" aria-hidden="true">
        <Icon name={ICON[kind]} size={22} />
      </span>
      <div className="notice-body">
        {title && <p className="notice-title">{title}</p>}
        {children}
      </div>
    </div>
  );
}

export function errorText(err: unknown): string {
  return humanError(err);
}

export function ErrorNotice({
  error,
  title = 'Something went wrong',
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}) {
  return (
    <Notice kind="error" title={title}>
      <p>{errorText(error)}</p>
      {onRetry && (
        <button type="button" className="btn btn-secondary" onClick={onRetry}>
          Try again
        </button>
      )}
    </Notice>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}
