import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Kind, validate, visit, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';
import { CostMemo } from './cost/memo.ts';
import { measureOperation, type OperationMetrics } from './limits/operation-metrics.ts';
import { parseWithinLimits, scanTokens, type LexicalScan, type ParseOutcome } from './limits/tokens.ts';

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
  /** Cost estimates of this document, memoised by operation and the variable values they read. */
  readonly costs: CostMemo;
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

/** A lexical scan and the token count it stopped after (Infinity: the whole text). */
interface KnownScan {
  readonly scan: LexicalScan;
  readonly stopAfter: number;
}

interface Entry {
  readonly scan: KnownScan;
  readonly analysis: DocumentAnalysis;
}

/**
 * One request's view of the cache for one document text: the token count
 * (for the pre-parse limits) and then the analysis, each from the cache when
 * the text was seen before. A text's facts enter the cache only through
 * analysis(), i.e. once its pre-parse limits passed: a refused 1 MB document
 * is never kept.
 */
export interface DocumentLookup {
  /** Lexical tokens, counted up to `stopAfter + 1` (as countTokens): no lexer pass for a cached text. */
  tokens(stopAfter: number): number;
  analysis(): DocumentAnalysis;
}

/**
 * Analysis keyed by the SHA-256 of the document text, so a repeated operation
 * (the common case: clients send the same few operations) pays for lexing,
 * parse, measure, validate and each cost estimate once. One cache per schema:
 * a hot reload starts afresh.
 */
export class DocumentCache {
  readonly #entries: LRUCache<string, Entry>;
  readonly #onLookup: (hit: boolean) => void;

  /** `maxEntries` default 2000; `onLookup` hears of every analysis lookup (true: a hit), for the cache metrics. */
  private readonly schema: GraphQLSchema;

  constructor(schema: GraphQLSchema, options: { readonly maxEntries?: number; readonly onLookup?: (hit: boolean) => void } = {}) {
    this.schema = schema;
    this.#entries = new LRUCache({ max: options.maxEntries ?? 2000 });
    this.#onLookup = options.onLookup ?? (() => {});
  }

  /** Bytes must already be within limits: they bound what hashing costs. */
  lookup(query: string): DocumentLookup {
    const key = createHash('sha256').update(query).digest('hex');
    // peek: the LRU order is refreshed by analysis(), the one use that counts.
    const cached = this.#entries.peek(key);
    let scanned: KnownScan | undefined = cached?.scan;
    return {
      tokens: (stopAfter) => {
        // A scan that stopped at a lower limit cannot answer a higher one (limits are per gateway, so this is rare).
        if (!scanned || (!scanned.scan.complete && scanned.scan.tokens > scanned.stopAfter && scanned.stopAfter < stopAfter)) {
          scanned = { scan: scanTokens(query, stopAfter), stopAfter };
        }
        return Math.min(scanned.scan.tokens, stopAfter + 1);
      },
      analysis: () => {
        const entry = this.#entries.get(key);
        this.#onLookup(entry !== undefined);
        if (entry) return entry.analysis;
        const scan = scanned && (scanned.scan.complete || scanned.scan.tokens <= scanned.stopAfter) ? scanned : { scan: scanTokens(query, Number.POSITIVE_INFINITY), stopAfter: Number.POSITIVE_INFINITY };
        const analysis = this.#analyze(query, scan.scan);
        this.#entries.set(key, { scan, analysis });
        return analysis;
      },
    };
  }

  /** Bytes and tokens must already be within limits: they bound what this costs. */
  analyze(query: string): DocumentAnalysis {
    return this.lookup(query).analysis();
  }

  #analyze(query: string, scan: LexicalScan): DocumentAnalysis {
    const parsed = parseWithinLimits(query, null, scan);
    if (!parsed.ok) return { kind: 'unparsable', reason: parsed.reason, message: parsed.error.message };
    const { document } = parsed;
    const schema = this.schema;
    const perOperation = new Map<string, OperationMetrics>();
    let errors: readonly GraphQLError[] | undefined;
    return {
      kind: 'parsed',
      document,
      costs: new CostMemo(),
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
