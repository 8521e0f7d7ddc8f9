import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Kind, validate, visit, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';
import { measureOperation, type OperationMetrics } from './limits/operation-metrics.ts';
import { parseWithinLimits, type ParseOutcome } from './limits/tokens.ts';

/** A parsed document with what admission learns from it, each fact computed at most once. */
export interface ParsedDocument {
  readonly kind: 'parsed';
  readonly document: DocumentNode;
  /** Shape metrics of the named operation (or the only one). Linear in the document. */
  metrics(operationName: string | undefined): OperationMetrics;
  /**
   * Whether the document validates against the API schema. Call only after the
   * shape limits passed: some validation rules grow faster than linearly with
   * the document (OverlappingFieldsCanBeMerged is quadratic in fields).
   */
  isValid(): boolean;
  /**
   * When graphql-js gave up validating: its OverlappingFieldsCanBeMerged rule
   * stops after VALIDATION_COMPARISON_BUDGET field comparisons (2,400 copies of
   * one field are enough) and reports only "Validation aborted.". Undefined
   * when validation ran to the end; else how many fields the document selects.
   */
  abortedValidation(): { readonly fieldSelections: number } | undefined;
}

/** graphql-js 16.15's `MAX_COMPLEXITY_BUDGET` in OverlappingFieldsCanBeMergedRule (not exported). */
export const VALIDATION_COMPARISON_BUDGET = 500_000;

/**
 * graphql-js throws one shared, unexported `validationAbortedError` with no
 * locations; its message is the only public trace of it. The test that sends
 * 2,400 duplicated fields fails if a graphql upgrade changes it.
 */
function isAbortedValidation(errors: readonly GraphQLError[]): boolean {
  return errors.length === 1 && errors[0]!.message === 'Validation aborted.' && errors[0]!.locations === undefined;
}

function countFieldSelections(document: DocumentNode): number {
  let count = 0;
  visit(document, { [Kind.FIELD]: () => void count++ });
  return count;
}

/** `tooDeeplyNested`: brackets nest deeper than the parser may recurse; `message` is safe to show to clients. */
export type DocumentAnalysis = { readonly kind: 'unparsable'; readonly reason: Extract<ParseOutcome, { ok: false }>['reason']; readonly message: string } | ParsedDocument;

/**
 * Analysis keyed by the SHA-256 of the document text, so a repeated operation
 * (the common case: clients send the same few operations) pays for parse,
 * measure and validate once. One cache per schema: a hot reload starts afresh.
 */
export class DocumentCache {
  readonly #entries: LRUCache<string, DocumentAnalysis>;
  readonly #onLookup: (hit: boolean) => void;

  /** `maxEntries` default 2000; `onLookup` hears of every lookup (true: a hit), for the cache metrics. */
  private readonly schema: GraphQLSchema;

  constructor(schema: GraphQLSchema, options: { readonly maxEntries?: number; readonly onLookup?: (hit: boolean) => void } = {}) {
    this.schema = schema;
    this.#entries = new LRUCache({ max: options.maxEntries ?? 2000 });
    this.#onLookup = options.onLookup ?? (() => {});
  }

  /** Bytes and tokens must already be within limits: they bound what this costs. */
  analyze(query: string): DocumentAnalysis {
    const key = createHash('sha256').update(query).digest('hex');
    let analysis = this.#entries.get(key);
    this.#onLookup(analysis !== undefined);
    if (!analysis) {
      analysis = this.#analyze(query);
      this.#entries.set(key, analysis);
    }
    return analysis;
  }

  #analyze(query: string): DocumentAnalysis {
    const parsed = parseWithinLimits(query, null);
    if (!parsed.ok) return { kind: 'unparsable', reason: parsed.reason, message: parsed.error.message };
    const { document } = parsed;
    const schema = this.schema;
    const perOperation = new Map<string, OperationMetrics>();
    let errors: readonly GraphQLError[] | undefined;
    return {
      kind: 'parsed',
      document,
      metrics(operationName) {
        const name = operationName ?? '';
        let metrics = perOperation.get(name);
        if (!metrics) {
          metrics = measureOperation(document, operationName ?? null);
          perOperation.set(name, metrics);
        }
        return metrics;
      },
      isValid() {
        errors ??= validate(schema, document);
        return errors.length === 0;
      },
      abortedValidation() {
        errors ??= validate(schema, document);
        return isAbortedValidation(errors) ? { fieldSelections: countFieldSelections(document) } : undefined;
      },
    };
  }
}
