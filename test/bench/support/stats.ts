/** Summaries of repeated measurements: every figure the bench reports is a median with its range. */

/** A figure measured several times: the median is reported, min and max show the spread. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  /** Every run's value, in run order. */
  runs: number[];
}

/** The median, min and max of `values` (rounded to `digits` decimals). */
export function summarise(values: readonly number[], digits = 3): Figure {
  if (values.length === 0) throw new TypeError('summarise needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] ?? 0)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return {
    median: round(median, digits),
    min: round(sorted[0] ?? 0, digits),
    max: round(sorted[sorted.length - 1] ?? 0, digits),
    runs: values.map((value) => round(value, digits)),
  };
}

/** The `p`-th percentile (0–100, nearest rank) of values sorted ascending. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** `median (min–max)` for the printed table. */
export function formatFigure(figure: Figure, unit = ''): string {
  const suffix = unit ? ` ${unit}` : '';
  return `${figure.median}${suffix} (${figure.min}–${figure.max})`;
}
