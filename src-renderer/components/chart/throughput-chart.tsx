import { useEffect, useRef, type ReactElement } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './chart.css';

/** The chart redraws at most this often, however often samples arrive. */
const REDRAW_MS = 500;

export interface ThroughputChartProps {
  /** Seconds since the epoch, oldest first (read, never changed, by the chart). */
  times: readonly number[];
  /** Bytes per second at each time. */
  values: readonly number[];
  /** Changes whenever the arrays got new samples (they may be the same arrays, appended to). */
  version: number;
  /** Formats a rate for the axis and the readout: 2_000_000 -> "2.0 MB/s". */
  formatRate(bytesPerSecond: number): string;
  /** Height in CSS pixels; the width follows the container. */
  height?: number;
  /** The accessible description of the chart (canvas content is invisible to screen readers). */
  label: string;
}

/**
 * Bytes per second over time as a filled line (uPlot on a canvas). Follows its container's width,
 * the theme's colours (re-created when html[data-theme] changes), redraws at most twice a second,
 * and is destroyed on unmount. Hovering shows the time and rate under the cursor.
 */
export function ThroughputChart(props: ThroughputChartProps): ReactElement {
  const height = props.height ?? 180;
  const hostRef = useRef<HTMLDivElement>(null);
  const readoutRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const lastDraw = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);

  // Create (and re-create on theme change), follow the container's size, destroy on unmount.
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return undefined;
    const create = (): void => {
      plotRef.current?.destroy();
      plotRef.current = new uPlot(
        options(host.clientWidth || 300, height, latest.current.formatRate, readoutRef),
        dataOf(latest.current),
        host,
      );
      lastDraw.current = Date.now();
    };
    create();
    const resize = new ResizeObserver(() => {
      const width = host.clientWidth;
      if (width > 0) plotRef.current?.setSize({ width, height });
    });
    resize.observe(host);
    const theme = new MutationObserver(create);
    theme.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      resize.disconnect();
      theme.disconnect();
      if (pending.current) clearTimeout(pending.current);
      pending.current = null;
      plotRef.current?.destroy();
      plotRef.current = null;
    };
  }, [height]);

  // New samples: redraw now, or once the redraw interval has passed.
  useEffect(() => {
    if (pending.current) return;
    const draw = (): void => {
      pending.current = null;
      lastDraw.current = Date.now();
      plotRef.current?.setData(dataOf(latest.current));
    };
    const wait = lastDraw.current + REDRAW_MS - Date.now();
    if (wait <= 0) draw();
    else pending.current = setTimeout(draw, wait);
  }, [props.version]);

  return (
    <figure className="throughput-chart" aria-label={props.label} role="img">
      <div ref={hostRef} className="throughput-chart-plot" style={{ minHeight: height }} />
      <div ref={readoutRef} className="throughput-chart-readout" aria-hidden />
    </figure>
  );
}

function dataOf(props: ThroughputChartProps): uPlot.AlignedData {
  // Copies: the store keeps appending to (and trimming) its arrays between draws.
  return [props.times.slice(), props.values.slice()];
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/** "#1f6feb" + 0.2 -> "rgba(31, 111, 235, 0.2)"; other colour syntaxes are used as they are. */
function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color)?.[1];
  if (!hex) return color;
  const n = parseInt(hex, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
/** Axis ticks: "14:03:20", compact and unambiguous over a ten-minute window. */
const tickTime = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function options(
  width: number,
  height: number,
  formatRate: (bytesPerSecond: number) => string,
  readout: { current: HTMLDivElement | null },
): uPlot.Options {
  const accent = cssVar('--accent', '#1f6feb');
  const muted = cssVar('--muted', '#5f6673');
  const grid = cssVar('--border', '#dde1e7');
  const font = '11px system-ui, sans-serif';
  const axis = { stroke: muted, font, grid: { stroke: grid, width: 1 }, ticks: { show: false } };
  return {
    width,
    height,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { size: 6, fill: accent } },
    scales: {
      x: { time: true },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1_000_000] },
    },
    series: [
      {},
      {
        label: 'Throughput',
        stroke: accent,
        width: 2,
        fill: withAlpha(accent, 0.18),
        points: { show: false },
      },
    ],
    axes: [
      {
        ...axis,
        space: 80,
        values: (_u, splits) => splits.map((t) => tickTime.format(new Date(t * 1000))),
      },
      {
        ...axis,
        size: 72,
        values: (_u, splits) => splits.map((v) => formatRate(v)),
      },
    ],
    hooks: {
      setCursor: [
        (u) => {
          const el = readout.current;
          if (!el) return;
          const index = u.cursor.idx;
          const time = index === null || index === undefined ? undefined : u.data[0][index];
          const value = index === null || index === undefined ? undefined : u.data[1]?.[index];
          el.textContent =
            time === undefined || value === undefined || value === null
              ? ''
              : `${timeOfDay.format(new Date(time * 1000))} · ${formatRate(value)}`;
        },
      ],
    },
  };
}
