import { percentile, runLoad, type LoadTarget, type Sample } from './load.ts';
import type { Backing } from './system.ts';

export const FAULTS = ['killed', 'hung', 'slow', 'failing'] as const;
export type Fault = (typeof FAULTS)[number];

/** The data the front page can live without comes from these; user and cart are critical (schema/criticality.ts). */
export const OPTIONAL_SERVICES = new Set(['catalog', 'pricing', 'promotions']);

export interface MatrixOptions {
  readonly connections: number;
  /** How long each fault lasts, under load. */
  readonly faultMs: number;
  /** How long to wait for recovery after the fault ends before giving up. */
  readonly recoveryCapMs: number;
  /** Budget of optional data, for the verdict on hung optional dependencies. */
  readonly optionalBudgetMs: number;
}

export interface Baseline {
  readonly p50: number;
  readonly p99: number;
  readonly answers: number;
}

export interface CellResult {
  readonly backing: string;
  readonly fault: Fault;
  readonly optional: boolean;
  readonly answers: number;
  readonly pct: { name: number; cartLines: number; productNames: number; prices: number; featured: number; incomplete: number; errorNamesIt: number };
  readonly fallbacks: readonly string[];
  readonly failedServices: readonly string[];
  readonly gateway5xx: number;
  /** Answers missing optional data yet saying they are complete. */
  readonly unmarked: number;
  readonly noAnswer: number;
  readonly dataNull: number;
  readonly p50: number;
  readonly p99: number;
  /** ms from the fault's end to the first complete answer sent after it; null when not within the cap. */
  readonly recoveryMs: number | null;
  readonly verdict: string;
}

export async function measureBaseline(target: LoadTarget, options: MatrixOptions, ms: number): Promise<Baseline> {
  const samples: Sample[] = [];
  const end = performance.now() + ms;
  await runLoad(target, options.connections, () => performance.now() > end, (s) => samples.push(s));
  const ok = samples.filter((s) => s.completed);
  return { p50: percentile(ok.map((s) => s.ms), 50), p99: percentile(ok.map((s) => s.ms), 99), answers: samples.length };
}

async function inject(b: Backing, fault: Fault): Promise<void> {
  if (fault === 'killed') await b.process.kill();
  else if (fault === 'hung') b.process.signal('SIGSTOP');
  else b.proxy.mode = fault === 'slow' ? 'slow' : 'fail';
}

async function remove(b: Backing, fault: Fault): Promise<void> {
  if (fault === 'killed') await b.process.start();
  else if (fault === 'hung') b.process.signal('SIGCONT');
  else b.proxy.mode = 'pass';
}

const pct = (samples: readonly Sample[], f: (s: Sample) => boolean) => (samples.length === 0 ? NaN : (100 * samples.filter(f).length) / samples.length);

/**
 * One cell: the fault held for `faultMs` under load (answers to requests sent
 * during it are what the row describes), then removed (a killed process is
 * restarted on its port), and load kept on until an answer sent after the
 * removal comes back complete.
 */
export async function runCell(target: LoadTarget, b: Backing, fault: Fault, baseline: Baseline, options: MatrixOptions): Promise<CellResult> {
  const during: Sample[] = [];
  const faultStart = performance.now();
  await inject(b, fault);
  const faultEnd = faultStart + options.faultMs;
  await runLoad(target, options.connections, () => performance.now() > faultEnd, (s) => {
    if (s.startedAt >= faultStart) during.push(s);
  });
  await remove(b, fault);
  const removedAt = performance.now();
  let recoveredAt: number | null = null;
  const cap = removedAt + options.recoveryCapMs;
  await runLoad(target, options.connections, () => recoveredAt !== null || performance.now() > cap, (s) => {
    if (s.startedAt >= removedAt && s.completed && recoveredAt === null) recoveredAt = s.startedAt + s.ms;
  });

  const optional = OPTIONAL_SERVICES.has(b.service);
  const latencies = during.map((s) => s.ms);
  const result = {
    backing: b.id,
    fault,
    optional,
    answers: during.length,
    pct: {
      name: pct(during, (s) => s.name),
      cartLines: pct(during, (s) => s.cartLines),
      productNames: pct(during, (s) => s.productNames),
      prices: pct(during, (s) => s.prices),
      featured: pct(during, (s) => s.featured),
      incomplete: pct(during, (s) => !s.completed),
      errorNamesIt: pct(during.filter((s) => s.errorServices.length > 0), (s) => s.errorServices.includes(b.service)),
    },
    fallbacks: [...new Set(during.flatMap((s) => s.fallbacks))].sort(),
    failedServices: [...new Set(during.flatMap((s) => s.failedServices))].sort(),
    gateway5xx: during.filter((s) => s.status >= 500).length,
    unmarked: during.filter((s) => s.completed && (!s.productNames || !s.prices || !s.featured || s.dataNull || !s.name || !s.cartLines)).length,
    noAnswer: during.filter((s) => s.status === 0).length,
    dataNull: during.filter((s) => s.dataNull).length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    recoveryMs: recoveredAt === null ? null : recoveredAt - removedAt,
  };
  return { ...result, verdict: verdictOf(result, baseline, options) };
}

/** The issue's acceptance, per cell. */
function verdictOf(r: Omit<CellResult, 'verdict'>, baseline: Baseline, options: MatrixOptions): string {
  const problems = problemsOf(r, baseline, options);
  return problems.length === 0 ? 'ok' : problems.join(', ');
}

/** Each unmet acceptance criterion, in words. */
export function problemsOf(r: Omit<CellResult, 'verdict'>, baseline: Baseline, options: MatrixOptions): string[] {
  const problems: string[] = [];
  if (r.gateway5xx > 0 || r.noAnswer > 0) problems.push('5xx/no answer');
  if (r.optional) {
    if (r.pct.name < 100 || r.pct.cartLines < 100) problems.push('core missing');
    if (r.dataNull > 0) problems.push('data null');
    if (r.unmarked > 0) problems.push('unmarked');
    if (r.fault === 'hung' && r.p99 > baseline.p99 + options.optionalBudgetMs + 100) problems.push(`p99 > healthy + ${options.optionalBudgetMs} + 100`);
  } else if (r.pct.name + r.pct.cartLines < 200 && r.pct.errorNamesIt < 100) {
    problems.push('error does not name it');
  }
  return problems;
}

const fmt = (n: number) => (Number.isNaN(n) ? '–' : n === 100 ? '100' : n === 0 ? '0' : n.toFixed(0));
const ms = (n: number) => (Number.isNaN(n) ? '–' : `${Math.round(n)}`);

export function formatTable(baseline: Baseline, cells: readonly CellResult[], options: MatrixOptions): string {
  const lines = [
    `Healthy: ${baseline.answers} answers, p50 ${ms(baseline.p50)} ms, p99 ${ms(baseline.p99)} ms (${options.connections} connections, distinct users).`,
    `Each fault held ${options.faultMs} ms under load; parts are % of answers to requests sent during it.`,
    '',
    '| process | fault | answers | name | cart lines | product names | prices | featured | incomplete | fallbacks | 5xx | data null | p50 ms | p99 ms (Δ healthy) | recovery ms | verdict |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of cells) {
    const fallbacks = c.fallbacks.map((f) => f.replace(/^(Product|Query)\./, '')).join(' ') || '–';
    lines.push(
      `| ${c.backing}${c.optional ? '' : ' (critical)'} | ${c.fault} | ${c.answers} | ${fmt(c.pct.name)} | ${fmt(c.pct.cartLines)} | ${fmt(c.pct.productNames)} | ${fmt(c.pct.prices)} | ${fmt(c.pct.featured)} | ${fmt(c.pct.incomplete)} | ${fallbacks} | ${c.gateway5xx + c.noAnswer} | ${c.dataNull} | ${ms(c.p50)} | ${ms(c.p99)} (${c.p99 - baseline.p99 >= 0 ? '+' : ''}${ms(c.p99 - baseline.p99)}) | ${c.recoveryMs === null ? `> ${options.recoveryCapMs}` : ms(c.recoveryMs)} | ${c.verdict} |`,
    );
  }
  return lines.join('\n');
}
