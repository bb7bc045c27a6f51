/** Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and lists where the time went. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface HotFunction {
  name: string;
  /** Share of the busy (non-idle) samples spent in this function itself, in percent. */
  selfPercent: number;
}

/** The `top` functions by self time, grouped by name and file. */
export async function summariseCpuProfile(file: string, top = 12): Promise<HotFunction[]> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as { nodes: ProfileNode[] };
  const totals = new Map<string, number>();
  let all = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    all += hits;
    const where = url ? `${path.basename(url)}:${lineNumber + 1}` : 'native';
    const name = `${functionName || '(anonymous)'} ${where}`;
    totals.set(name, (totals.get(name) ?? 0) + hits);
  }
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, hits]) => ({
      name,
      selfPercent: Math.round((hits / Math.max(all, 1)) * 1000) / 10,
    }));
}
