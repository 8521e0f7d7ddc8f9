import { isDeepStrictEqual } from 'node:util';
import type { CountingHop } from './counting-hop.ts';
import type { Gateway, Processes } from './harness.ts';

/** Distinct users each gateway answers before any load: carts differ in size, so answers differ too. */
const SAMPLE = 20;
const WARM_UP = 5;

interface Answer {
  readonly status: number;
  readonly bytes: number;
  readonly json: { data?: unknown; errors?: readonly { message?: string; extensions?: Record<string, unknown> }[]; extensions?: Record<string, unknown> };
}

async function ask(g: Gateway, user: number): Promise<Answer> {
  const response = await fetch(g.url, { method: 'POST', headers: { 'content-type': 'application/json', ...g.headersFor(user) }, body: g.body });
  const text = await response.text();
  return { status: response.status, bytes: Buffer.byteLength(text), json: JSON.parse(text) as Answer['json'] };
}

export interface Checked<N extends string> {
  /** Subgraph requests per operation (mean over the sample), total and per subgraph. */
  readonly requests: Record<N, { total: number; bySubgraph: Record<string, number> }>;
  /** Lines for the end of the output. */
  readonly summary: string;
}

/**
 * Starts each gateway (its subgraph URLs pointing at the counting hops), asks
 * it for SAMPLE distinct users one at a time, and stops it. Throws, which
 * stops the bench, when a gateway answers with errors or a status other than
 * 200, or when the two gateways' data differ for any user. A refusal by our
 * gateway is reported with its code and numbers (cost, limit, budget).
 */
export async function checkAnswers<N extends string>(processes: Processes, gateways: Record<N, Gateway>, names: readonly [N, N], hops: readonly CountingHop[], shipped: boolean): Promise<Checked<N>> {
  const answers = {} as Record<N, Answer[]>;
  const requests = {} as Checked<N>['requests'];
  for (const name of names) {
    const g = gateways[name];
    const child = await processes.start(g.script, g.args, g.health, g.healthHeaders);
    try {
      // The first answers after the graph starts may come from subgraph
      // fallbacks (a cold REST call over its deadline): warm up on other users first.
      for (let i = SAMPLE; i < SAMPLE + WARM_UP; i++) await ask(g, i);
      for (const hop of hops) hop.count = 0;
      answers[name] = [];
      for (let i = 0; i < SAMPLE; i++) {
        const answer = await ask(g, i);
        if (answer.status !== 200 || answer.json.errors) throw new Error(refusal(name, i, answer, shipped));
        // Ours says when a subgraph fallback stood in for data; vanilla cannot, so only the data comparison below catches it there.
        if (answer.json.extensions?.['completed'] === false) throw new Error(`${name} answered user ${i + 1} partially: ${JSON.stringify(answer.json.extensions)}; no load was run`);
        answers[name].push(answer);
      }
      const bySubgraph = Object.fromEntries(hops.map((h) => [h.name, h.count / SAMPLE]));
      requests[name] = { total: Object.values(bySubgraph).reduce((a, b) => a + b, 0), bySubgraph };
    } finally {
      await processes.stop(child);
    }
  }
  const [a, b] = names;
  for (let i = 0; i < SAMPLE; i++) {
    if (!isDeepStrictEqual(answers[a][i]!.json.data, answers[b][i]!.json.data)) throw new Error(`answers differ: ${a} and ${b} returned different data for user ${i + 1} at ${firstDifference(answers[a][i]!.json.data, answers[b][i]!.json.data, 'data')}; no load was run`);
  }
  const bytes = (n: N) => Math.round(answers[n].reduce((s, x) => s + x.bytes, 0) / SAMPLE / 1024);
  const perSubgraph = (n: N) => Object.entries(requests[n].bySubgraph).map(([s, c]) => `${s} ${c.toFixed(1)}`).join(', ');
  const summary = [
    `answers checked before load: ${SAMPLE} distinct users, ${a} data = ${b} data, no errors; mean body ${a} ${bytes(a)} KB, ${b} ${bytes(b)} KB`,
    `subgraph requests per operation (counting hops, sequential sample): ${a} ${requests[a].total.toFixed(1)} (${perSubgraph(a)}), ${b} ${requests[b].total.toFixed(1)} (${perSubgraph(b)})`,
  ].join('\n');
  return { requests, summary };
}

function refusal(name: string, user: number, answer: Answer, shipped: boolean): string {
  const first = answer.json.errors?.[0];
  const code = first?.extensions?.['code'] ?? 'no code';
  const numbers = first?.extensions ? JSON.stringify(first.extensions) : '';
  const hint = shipped && name === 'ours'
    ? `\nOur gateway REFUSED the heavy operation with its protections as shipped (web profile). To measure it anyway, raise only what refused it in a config file and pass it with --gateway-config <file> (every output line says so)`
    : '';
  return `${name} answered user ${user + 1} with HTTP ${answer.status}, ${code}: ${first?.message ?? '(no message)'} ${numbers}; no load was run${hint}`;
}

/** Path and values of the first place two JSON values differ, to say where the answers disagree. */
function firstDifference(x: unknown, y: unknown, path: string): string {
  if (x !== null && y !== null && typeof x === 'object' && typeof y === 'object') {
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    for (const k of keys) {
      const found = firstDifference((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${path}.${k}`);
      if (found) return found;
    }
    return '';
  }
  return isDeepStrictEqual(x, y) ? '' : `${path}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`;
}
