import { Kind, parse, type FieldDefinitionNode, type TypeNode } from 'graphql';
import { INFERRED_SLICING_ARGUMENTS } from '../gateway/admission/cost/index.ts';
import type { SubgraphSource } from './rover-config.ts';

/**
 * `@listSize` suggestions from the list sizes the gateway saw: the
 * `storefront_gateway_list_size` histogram on its `/metrics` (one series per
 * field coordinate, filled by the actual-cost walk of every response). The
 * observations come from Prometheus text, a scrape of one or more gateways or
 * a file saved from one, because that is what every deployment already
 * collects; nothing new to write, rotate or ship.
 */
export const LIST_SIZE_METRIC = 'storefront_gateway_list_size';

/** One field's histogram, summed over every source and label set (profiles, replicas). */
export interface ObservedListSizes {
  /** Cumulative count of lists of at most `le` items, by finite bucket bound, ascending. */
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
  /** Lists observed. */
  readonly lists: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Reads the list-size histogram from Prometheus text exposition. Written here
 * because the npm parser for this format (parse-prometheus-text-format 1.1.1,
 * tried) drops every label but `le` from histograms, merging all fields into
 * one; we need one metric family, whose lines prom-client writes as
 * `name_bucket{field="T.f",le="10",profile="web"} 3`.
 */
export function readListSizeHistogram(texts: readonly string[]): Map<string, ObservedListSizes> {
  const sums = new Map<string, { buckets: Map<number, number>; lists: number }>();
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const match = SAMPLE.exec(line);
      if (!match || (match[1] !== `${LIST_SIZE_METRIC}_bucket` && match[1] !== `${LIST_SIZE_METRIC}_count`)) continue;
      const labels = new Map([...match[2]!.matchAll(LABEL)].map((m) => [m[1]!, m[2]!]));
      const field = labels.get('field');
      const value = Number(match[3]);
      if (field === undefined || !Number.isFinite(value)) continue;
      let sum = sums.get(field);
      if (!sum) sums.set(field, (sum = { buckets: new Map(), lists: 0 }));
      if (match[1].endsWith('_count')) {
        sum.lists += value;
        continue;
      }
      const le = Number(labels.get('le'));
      if (Number.isFinite(le)) sum.buckets.set(le, (sum.buckets.get(le) ?? 0) + value);
    }
  }
  return new Map(
    [...sums].map(([field, sum]) => [field, { lists: sum.lists, buckets: [...sum.buckets].sort(([a], [b]) => a - b).map(([le, count]) => ({ le, count })) }]),
  );
}

/**
 * The smallest bucket bound holding at least `quantile` of the lists: an
 * upper bound of that percentile (what a budget needs). Undefined when it lies
 * past the largest finite bucket.
 */
export function quantileBound(observed: ObservedListSizes, quantile: number): number | undefined {
  const needed = Math.ceil(observed.lists * quantile);
  return observed.buckets.find((b) => b.count >= needed)?.le;
}

export interface ListSizeSuggestion {
  readonly coordinate: string;
  /** The annotation to write, e.g. `@listSize(assumedSize: 4)`. */
  readonly annotation: string;
  readonly p99: number | undefined;
  readonly lists: number;
  /** The field's `@listSize` in the subgraph today, as written; null when it has none. */
  readonly current: string | null;
}

export interface SubgraphSuggestions {
  readonly subgraph: string;
  readonly schemaPath: string;
  readonly suggestions: readonly ListSizeSuggestion[];
  /** List fields without `@listSize` that no response has returned yet. */
  readonly unobserved: readonly string[];
}

function isList(type: TypeNode): boolean {
  return type.kind === Kind.NON_NULL_TYPE ? isList(type.type) : type.kind === Kind.LIST_TYPE;
}

function namedTypeOf(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedTypeOf(type.type);
}

/** Prints a directive as written in the SDL (enough to recognise it; not a full printer). */
function written(source: string, node: { readonly loc?: { readonly start: number; readonly end: number } | undefined }): string {
  return node.loc ? source.slice(node.loc.start, node.loc.end) : '';
}

function annotationFor(field: FieldDefinitionNode, p99: number | undefined): string {
  const size = p99 === undefined ? 'TODO' : String(p99);
  const slicing = (field.arguments ?? []).filter((a) => INFERRED_SLICING_ARGUMENTS.includes(a.name.value) && namedTypeOf(a.type) === 'Int').map((a) => `"${a.name.value}"`);
  // With slicing arguments, assumedSize sizes the calls that leave them out;
  // requireOneSlicingArgument: false because the field accepts such calls today.
  return slicing.length > 0
    ? `@listSize(slicingArguments: [${slicing.join(', ')}], assumedSize: ${size}, requireOneSlicingArgument: false)`
    : `@listSize(assumedSize: ${size})`;
}

/**
 * For each subgraph, an annotation per list field it resolves (not
 * `@external`) that the gateway has seen returned: `assumedSize` at the
 * observed p99, slicing arguments when the field has `first`/`last`/`limit`.
 * Fields already annotated are listed too, with their annotation, so a stale
 * `assumedSize` shows.
 */
export function suggestListSizes(subgraphs: readonly SubgraphSource[], observed: ReadonlyMap<string, ObservedListSizes>): SubgraphSuggestions[] {
  return subgraphs.map((subgraph) => {
    const suggestions: ListSizeSuggestion[] = [];
    const unobserved: string[] = [];
    for (const definition of parse(subgraph.sdl).definitions) {
      if (!('fields' in definition) || !definition.fields || !('name' in definition) || !definition.name) continue;
      for (const field of definition.fields) {
        if (field.kind !== Kind.FIELD_DEFINITION || !isList(field.type)) continue;
        const directives = field.directives ?? [];
        if (directives.some((d) => d.name.value === 'external' || d.name.value === 'federation__external')) continue;
        const coordinate = `${definition.name.value}.${field.name.value}`;
        const listSize = directives.find((d) => d.name.value === 'listSize' || d.name.value === 'federation__listSize');
        const seen = observed.get(coordinate);
        if (!seen || seen.lists === 0) {
          if (!listSize) unobserved.push(coordinate);
          continue;
        }
        const p99 = quantileBound(seen, 0.99);
        suggestions.push({ coordinate, annotation: annotationFor(field, p99), p99, lists: seen.lists, current: listSize ? written(subgraph.sdl, listSize) : null });
      }
    }
    return { subgraph: subgraph.name, schemaPath: subgraph.schemaPath, suggestions, unobserved };
  });
}

/** The report `npm run cost:suggest` prints: one block per subgraph, aligned, with the evidence as comments. */
export function formatSuggestions(results: readonly SubgraphSuggestions[], relativePath: (path: string) => string = (p) => p): string {
  const blocks: string[] = [];
  for (const result of results) {
    if (result.suggestions.length === 0 && result.unobserved.length === 0) continue;
    const lines = [`# ${result.subgraph} (${relativePath(result.schemaPath)})`];
    const width = Math.max(0, ...result.suggestions.map((s) => s.coordinate.length));
    for (const s of result.suggestions) {
      const evidence = s.p99 === undefined ? `p99 over the largest bucket, ${s.lists} lists` : `p99 ${s.p99} of ${s.lists} lists`;
      const now = s.current === null ? 'none today' : s.current === s.annotation ? 'as today' : `today ${s.current}`;
      lines.push(`${s.coordinate.padEnd(width)}  ${s.annotation}  # ${evidence}; ${now}`);
    }
    if (result.unobserved.length > 0) lines.push(`# no @listSize and not observed yet: ${result.unobserved.join(', ')}`);
    blocks.push(lines.join('\n'));
  }
  return blocks.length > 0 ? `${blocks.join('\n\n')}\n` : '# no list sizes observed yet: send traffic through the gateway, then run this again\n';
}
