import { useEffect, useRef, useState } from 'react';
import { invoke } from '../../lib/api-client';

/** Failed files are few; one page of the report's failures is plenty for the live table. */
const MAX_REASONS = 1000;
/** Failures come in bursts: ask at most this often. */
const REFRESH_MS = 2000;

/**
 * Why files failed, for the live table: progress events say only that a file failed, the task
 * report says why. Re-read (at most every 2 s) whenever the failure count grows.
 */
export function useFailureReasons(
  executionId: string,
  failedCount: number,
  enabled: boolean,
): ReadonlyMap<string, string> {
  const [reasons, setReasons] = useState<ReadonlyMap<string, string>>(() => new Map());
  const last = useRef(0);

  useEffect(() => {
    if (!enabled || failedCount === 0) return undefined;
    let cancelled = false;
    const timer = setTimeout(
      () => {
        last.current = Date.now();
        void invoke('executions:report', {
          id: executionId,
          action: 'failed',
          limit: MAX_REASONS,
          offset: 0,
        }).then((result) => {
          if (cancelled || !result.ok) return;
          const next = new Map<string, string>();
          for (const line of result.value.items) {
            next.set(
              line.path,
              line.errorCode
                ? `${line.detail ?? 'Failed'} (${line.errorCode})`
                : (line.detail ?? 'Failed'),
            );
          }
          setReasons(next);
        });
      },
      Math.max(0, last.current + REFRESH_MS - Date.now()),
    );
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [executionId, failedCount, enabled]);

  return reasons;
}
