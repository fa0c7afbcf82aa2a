import type { Page } from '@playwright/test';

/** What `layoutHealth` found on the page as it is shown now. */
export interface LayoutHealth {
  /** document.documentElement.scrollWidth - clientWidth: > 0 means a page-wide horizontal scroll. */
  pageOverflowX: number;
  /** Elements that show a horizontal scrollbar (overflow-x auto/scroll and wider content). */
  scrollersX: string[];
  /** Luminance (0 black .. 1 white) of the body's background. */
  bodyLuminance: number;
  /** Visible text whose contrast with the background behind it is below 3:1. */
  lowContrast: string[];
}

/**
 * Measures, in the page, what would betray a broken layout in a screenshot: a page that scrolls
 * sideways, panes with horizontal scrollbars, the theme's background, and text that can hardly
 * be read against what is behind it (disabled controls and placeholders excepted, as they are
 * meant to be faint).
 */
export function layoutHealth(page: Page): Promise<LayoutHealth> {
  return page.evaluate(() => {
    type Rgba = [number, number, number, number];
    const parse = (value: string): Rgba | null => {
      const rgb = /^rgba?\(([^)]+)\)$/.exec(value);
      if (rgb) {
        const parts = (rgb[1] as string)
          .split(/[\s,/]+/)
          .filter(Boolean)
          .map(Number);
        return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
      }
      // color-mix() computes to color(srgb r g b / a) with channels from 0 to 1.
      const srgb = /^color\(srgb ([^)]+)\)$/.exec(value);
      if (srgb) {
        const parts = (srgb[1] as string)
          .split(/[\s/]+/)
          .filter(Boolean)
          .map(Number);
        return [(parts[0] ?? 0) * 255, (parts[1] ?? 0) * 255, (parts[2] ?? 0) * 255, parts[3] ?? 1];
      }
      return null;
    };
    const luminance = ([r, g, b]: Rgba): number => {
      const lin = (c: number): number => {
        const s = c / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    /** The opaque colour behind an element: its backgrounds composed up to the root. */
    const backdrop = (el: Element | null): Rgba => {
      const layers: Rgba[] = [];
      for (let node = el; node; node = node.parentElement) {
        const bg = parse(getComputedStyle(node).backgroundColor);
        if (bg && bg[3] > 0) {
          layers.push(bg);
          if (bg[3] >= 1) break;
        }
      }
      let out: Rgba = [255, 255, 255, 1];
      for (const layer of layers.reverse()) {
        const a = layer[3];
        out = [
          layer[0] * a + out[0] * (1 - a),
          layer[1] * a + out[1] * (1 - a),
          layer[2] * a + out[2] * (1 - a),
          1,
        ];
      }
      return out;
    };
    const describe = (el: Element): string => {
      const cls =
        typeof el.className === 'string' && el.className
          ? `.${el.className.trim().split(/\s+/).join('.')}`
          : '';
      return `${el.tagName.toLowerCase()}${cls}`;
    };

    const root = document.documentElement;
    const scrollersX: string[] = [];
    const lowContrast: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const style = getComputedStyle(el);
      if (
        (style.overflowX === 'auto' || style.overflowX === 'scroll') &&
        el.scrollWidth > el.clientWidth + 1
      ) {
        scrollersX.push(`${describe(el)} (${el.scrollWidth} > ${el.clientWidth})`);
      }
      const text = Array.from(el.childNodes)
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent ?? '')
        .join('')
        .trim();
      if (text === '' || style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
      const rect = el.getBoundingClientRect();
      if (rect.width < 2 || rect.height < 2 || rect.bottom < 0 || rect.top > innerHeight) continue;
      if (el.closest('[disabled], [aria-disabled="true"], .visually-hidden, option')) continue;
      const color = parse(style.color);
      if (!color) continue;
      const back = backdrop(el);
      // Text drawn with transparency mixes into what is behind it.
      const a = color[3];
      const shown: Rgba = [
        color[0] * a + back[0] * (1 - a),
        color[1] * a + back[1] * (1 - a),
        color[2] * a + back[2] * (1 - a),
        1,
      ];
      const [hi, lo] = [luminance(shown), luminance(back)].sort((x, y) => y - x) as [
        number,
        number,
      ];
      const ratio = (hi + 0.05) / (lo + 0.05);
      if (ratio < 3)
        lowContrast.push(`${describe(el)} "${text.slice(0, 40)}" ${ratio.toFixed(2)}:1`);
    }
    const body = parse(getComputedStyle(document.body).backgroundColor) ?? [255, 255, 255, 1];
    return {
      pageOverflowX: root.scrollWidth - root.clientWidth,
      scrollersX,
      bodyLuminance: luminance(body),
      lowContrast,
    };
  });
}
