/**
 * The geometry of the balance chart: scales, ticks and SVG path data, kept apart from rendering
 * so that it can be tested without a browser.
 */
import type { DailyBalance } from './balance-history.js';

/** Space around the plot for the axis labels, in pixels. */
export const CHART_PADDING = { top: 16, right: 16, bottom: 28, left: 64 } as const;

/** Everything the chart template needs. */
export interface ChartGeometry {
  line: string;
  area: string;
  /** Horizontal grid lines with their value in cents. */
  ticks: { y: number; cents: number }[];
  /** The first day of each month in the range, for the x-axis labels. */
  months: { x: number; date: string }[];
  last: { x: number; y: number };
}

/** Round tick values covering `[min, max]`: steps of 1, 2 or 5 times a power of ten. */
export function computeTicks(min: number, max: number, count = 4): number[] {
  if (min === max) {
    const spread = Math.max(Math.abs(min) * 0.1, 100);
    return computeTicks(min - spread, max + spread, count);
  }
  const rough = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((factor) => factor * power >= rough) ?? 10) * power;
  const ticks: number[] = [];
  for (let value = Math.floor(min / step) * step; value < max + step; value += step) {
    ticks.push(value);
  }
  return ticks;
}

/** Lays out daily balances in a `width` × `height` box. Needs at least two days. */
export function layOutChart(
  days: readonly DailyBalance[],
  width: number,
  height: number,
): ChartGeometry {
  const { top, right, bottom, left } = CHART_PADDING;
  const values = days.map((day) => day.cents);
  const tickValues = computeTicks(Math.min(...values), Math.max(...values));
  const low = tickValues[0] ?? 0;
  const high = tickValues[tickValues.length - 1] ?? 1;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const x = (index: number) => left + (index / Math.max(days.length - 1, 1)) * plotWidth;
  const y = (cents: number) => top + (1 - (cents - low) / (high - low || 1)) * plotHeight;
  const points = days.map((day, index) => `${x(index).toFixed(1)},${y(day.cents).toFixed(1)}`);
  const baseline = (top + plotHeight).toFixed(1);
  const lastIndex = days.length - 1;
  return {
    line: `M${points.join('L')}`,
    area: `M${x(0).toFixed(1)},${baseline}L${points.join('L')}L${x(lastIndex).toFixed(1)},${baseline}Z`,
    ticks: tickValues.map((cents) => ({ y: y(cents), cents })),
    months: days.flatMap((day, index) =>
      day.date.endsWith('-01') ? [{ x: x(index), date: day.date }] : [],
    ),
    last: { x: x(lastIndex), y: y(days[lastIndex]?.cents ?? 0) },
  };
}
