import { useEffect, useState } from 'react';

/**
 * The current time, refreshed every `intervalMs` while `ticking` (live durations); frozen
 * otherwise, so ended executions cause no re-renders.
 */
export function useNow(ticking: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return undefined;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [ticking, intervalMs]);
  return now;
}
