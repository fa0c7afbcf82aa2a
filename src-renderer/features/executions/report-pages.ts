import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorInfo } from '../../../src-shared/errors';
import type { FileAction, FileResult } from '../../../src-shared/model/execution';
import { invoke } from '../../lib/api-client';

/** Report lines per executions:report call. */
export const REPORT_PAGE_SIZE = 1000;

/** The report's filter, as executions:report and executions:export-report take it. */
export interface ReportFilter {
  action?: FileAction;
  search?: string;
}

export interface ReportPages {
  /** Lines matching the filter; null until the first page answered. */
  total: number | null;
  error: ErrorInfo | null;
  /** Changes whenever a page arrived. */
  version: number;
  /** The line at an index, or undefined while its page has not arrived. */
  lineAt(index: number): FileResult | undefined;
  /** Fetches the pages covering these rows (inclusive) that are not there or on their way. */
  ensureRange(first: number, last: number): void;
  /** Forgets every page and starts over (after an error, or when the report grew). */
  reload(): void;
}

/**
 * A task report read page by page: the first page on (re)load, then only the pages the table
 * shows as the user scrolls. A new filter (or execution) starts over; answers to an older
 * filter are ignored.
 */
export function useReportPages(
  executionId: string,
  filter: ReportFilter,
  enabled: boolean,
): ReportPages {
  const pages = useRef(new Map<number, FileResult[]>());
  const inFlight = useRef(new Set<number>());
  const generation = useRef(0);
  const [state, setState] = useState<{ total: number | null; error: ErrorInfo | null }>({
    total: null,
    error: null,
  });
  const [version, setVersion] = useState(0);
  const [nonce, setNonce] = useState(0);
  const { action, search } = filter;

  const fetchPage = useCallback(
    (page: number): void => {
      if (pages.current.has(page) || inFlight.current.has(page)) return;
      inFlight.current.add(page);
      const asked = generation.current;
      void invoke('executions:report', {
        id: executionId,
        ...(action ? { action } : {}),
        ...(search ? { search } : {}),
        limit: REPORT_PAGE_SIZE,
        offset: page * REPORT_PAGE_SIZE,
      }).then((result) => {
        if (asked !== generation.current) return;
        inFlight.current.delete(page);
        if (!result.ok) {
          setState((s) => ({ ...s, error: result.error }));
          return;
        }
        pages.current.set(page, result.value.items);
        setState({ total: result.value.total, error: null });
        setVersion((v) => v + 1);
      });
    },
    [executionId, action, search],
  );

  useEffect(() => {
    generation.current++;
    pages.current = new Map();
    inFlight.current = new Set();
    setState({ total: null, error: null });
    if (enabled) fetchPage(0);
  }, [enabled, fetchPage, nonce]);

  const ensureRange = useCallback(
    (first: number, last: number): void => {
      if (!enabled || last < first) return;
      const from = Math.floor(Math.max(0, first) / REPORT_PAGE_SIZE);
      const to = Math.floor(last / REPORT_PAGE_SIZE);
      for (let page = from; page <= to; page++) fetchPage(page);
    },
    [enabled, fetchPage],
  );

  const lineAt = useCallback(
    (index: number): FileResult | undefined =>
      pages.current.get(Math.floor(index / REPORT_PAGE_SIZE))?.[index % REPORT_PAGE_SIZE],
    [],
  );

  const reload = useCallback(() => setNonce((n) => n + 1), []);

  return { total: state.total, error: state.error, version, lineAt, ensureRange, reload };
}
