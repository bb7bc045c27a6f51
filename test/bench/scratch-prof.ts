import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { sendAtRate } from './support/cpu.js';
import { benchPageKey, connectThroughBff, partnerHeadersSync, startStack } from './support/stack.js';

const dir = await mkdtemp(path.join(tmpdir(), 'prof-'));
const stack = await startStack({ connectAt: 'mistral', cpuProfileDir: dir });
const [bff] = stack.bffs;
const pool = new Pool(bff!.info.url);
const session = await connectThroughBff(bff!.info.url, 'mistral');
const key = await benchPageKey();
const url = `${bff!.info.url}/v1/accounts`;
const read = async () => {
  const r = await pool.request({ method: 'GET', path: '/v1/accounts', headers: partnerHeadersSync(key, 'GET', url, session.sessionHandle) });
  await r.body.text();
  return r.statusCode === 200;
};
await sendAtRate(read, { rate: 100, durationMs: 3000 });
const res = await sendAtRate(read, { rate: 100, durationMs: Number(process.env.MS ?? 10000) });
console.log(res);
await pool.close();
await stack.stop();
const files = (await readdir(path.join(dir, 'bff'))).filter((f) => f.endsWith('.cpuprofile'));
for (const file of files) {
  const p = JSON.parse(await readFile(path.join(dir, 'bff', file), 'utf8'));
  const byId = new Map<number, any>(p.nodes.map((n: any) => [n.id, n]));
  const total = new Map<number, number>();
  const incl = (n: any): number => {
    if (total.has(n.id)) return total.get(n.id)!;
    let t = n.hitCount ?? 0;
    for (const c of n.children ?? []) t += incl(byId.get(c));
    total.set(n.id, t);
    return t;
  };
  let busy = 0;
  for (const n of p.nodes) if (n.callFrame.functionName !== '(idle)') busy += n.hitCount ?? 0;
  const root = p.nodes[0];
  incl(root);
  // inclusive by function, counting each node only if no ancestor has the same name
  const agg = new Map<string, number>();
  const selfAgg = new Map<string, number>();
  const walk = (n: any, seen: Set<string>) => {
    const { functionName, url, lineNumber } = n.callFrame;
    const name = `${functionName || '(anon)'} ${url ? path.basename(url) + ':' + (lineNumber + 1) : 'native'}`;
    selfAgg.set(name, (selfAgg.get(name) ?? 0) + (n.hitCount ?? 0));
    const fresh = !seen.has(name);
    if (fresh) agg.set(name, (agg.get(name) ?? 0) + total.get(n.id)!);
    const next = fresh ? new Set(seen).add(name) : seen;
    for (const c of n.children ?? []) walk(byId.get(c), next);
  };
  walk(root, new Set());
  const dt = (p.endTime - p.startTime) / p.samples.length;
  console.log(file, 'busy samples', busy, 'interval us', dt.toFixed(0), 'requests', res.sent);
  const per = (h: number) => ((h * dt) / res.sent).toFixed(0);
  const filt = process.env.FILTER ? new RegExp(process.env.FILTER) : /./;
  console.log('--- inclusive us/request');
  for (const [n, h] of [...agg].sort((a, b) => b[1] - a[1]).filter(([n]) => filt.test(n)).slice(0, Number(process.env.TOP ?? 70))) console.log(per(h).padStart(6), n);
  console.log('--- self us/request');
  for (const [n, h] of [...selfAgg].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(per(h).padStart(6), n);
}
