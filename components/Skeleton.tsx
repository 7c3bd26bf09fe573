/**
 * The loading state ("Loading your orders..."): a progress bar and grey rows with the same
 * height as the content that replaces them, so nothing jumps when it arrives.
 */
export function Skeleton({ label, rows = 3 }: { label: string; rows?: number }) {
  return (
    <div class="skeleton" role="status" aria-live="polite">
      <div class="skeleton__bar" aria-hidden="true">
        <span></span>
      </div>
      <p class="skeleton__label">{label}</p>
      {Array.from(
        { length: rows },
        (_, i) => <div key={i} class="skeleton__row" aria-hidden="true"></div>,
      )}
    </div>
  );
}
