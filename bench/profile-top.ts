/**
 * Where a CPU profile's time went, by self time: the top functions, and the same time grouped by package
 * (node_modules/<pkg>), Node internals, our own src/ files and V8's (idle)/(garbage collector)/(program).
 * Native frames (a socket's writev, WebCrypto's HMAC) are charged to their nearest caller in node_modules or
 * src/, so "writev ← pg" says the time went into writing to PostgreSQL, not into HTTP answers.
 *
 *   npx tsx bench/profile-top.ts /tmp/prof/hold.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  functions: Array<{ name: string; ms: number; share: number }>;
  areas: Array<{ name: string; ms: number; share: number }>;
}

function areaOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/')[0]!;
  const src = /\/(src|bench)\/(.*)$/.exec(url);
  if (src) return `${src[1]}/${src[2]!.split('/')[0]}${src[2]!.includes('/') ? '/' : ''}`;
  return url;
}

function shortUrl(url: string): string {
  const nm = /node_modules\/(.*)$/.exec(url);
  if (nm) return nm[1]!;
  const src = /\/((src|bench)\/.*)$/.exec(url);
  return src ? src[1]! : url;
}

export function summarizeProfile(file: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i, so sample i ran until sample i + 1.
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + dt);
  }
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  /** The nearest frame of a package or of our own code above a native one, else the nearest Node frame. */
  const ownerOf = (id: number): CallFrame | undefined => {
    let nearest: CallFrame | undefined;
    for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)!.callFrame;
      if (/node_modules\/|\/(src|bench)\//.test(cf.url)) return cf;
      if (cf.url && !nearest) nearest = cf;
    }
    return nearest;
  };
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)!.callFrame;
    const fn = cf.functionName || '(anonymous)';
    let name = cf.url ? `${fn}  ${shortUrl(cf.url)}${cf.lineNumber > 0 ? `:${cf.lineNumber + 1}` : ''}` : fn;
    let area = areaOf(cf.url, fn);
    if (!cf.url && !fn.startsWith('(')) {
      const owner = ownerOf(id);
      if (owner) {
        name = `${fn} ← ${owner.functionName || '(anonymous)'}  ${shortUrl(owner.url)}`;
        area = `${fn} ← ${areaOf(owner.url, owner.functionName)}`;
      }
    }
    fns.set(name, (fns.get(name) ?? 0) + us);
    areas.set(area, (areas.get(area) ?? 0) + us);
    total += us;
  }
  const list = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, share: total ? us / total : 0 }));
  return { totalMs: total / 1000, functions: list(fns, top), areas: list(areas, top) };
}

export function printProfile(label: string, s: ProfileSummary): void {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  console.log(`\nCPU profile of the API process, ${label}: ${(s.totalMs / 1000).toFixed(1)} s sampled`);
  console.log('\n| self time by area | ms | share |\n|---|---:|---:|');
  for (const a of s.areas) console.log(`| ${a.name} | ${a.ms.toFixed(0)} | ${pct(a.share)} |`);
  console.log('\n| top functions by self time | ms | share |\n|---|---:|---:|');
  for (const f of s.functions) console.log(`| \`${f.name}\` | ${f.ms.toFixed(0)} | ${pct(f.share)} |`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '20' } },
  });
  if (positionals.length === 0) {
    console.error('usage: tsx bench/profile-top.ts FILE.cpuprofile [...] [--top N]');
    process.exit(2);
  }
  for (const file of positionals) printProfile(file, summarizeProfile(file, Number(values.top)));
}
