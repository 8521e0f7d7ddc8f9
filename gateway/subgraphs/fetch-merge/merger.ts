import type { GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { context as otelContext, trace, type Context } from '@opentelemetry/api';
import DataLoader from 'dataloader';
import { isWrite } from '../../degradation/writes.ts';
import { isMergeable, mergeParts, splitAnswer, type FetchAnswer } from './merge.ts';
import { indexPlan, unpicked, type PlanIndex, type PlanNodeShape } from './plan.ts';

type ProcessOptions = GraphQLDataSourceProcessOptions<object>;
type SubgraphResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;
/** Sends one subgraph HTTP request through the data source's own machinery (breaker, deadline, headers, counts). */
export type SendOnce = (options: ProcessOptions, timeoutMs: number) => Promise<SubgraphResponse>;

/** One fetch as the data source hands it over. */
export interface MergeableFetch {
  readonly subgraph: string;
  readonly options: ProcessOptions;
  /** Its own deadline (the subgraph's, or the optional-data budget). */
  readonly timeoutMs: number;
  readonly send: SendOnce;
  /** The error it fails with when its own deadline passes while a merged request it is part of runs on. */
  readonly timedOut: () => Error;
}

interface Part {
  readonly fetch: MergeableFetch;
  readonly issuedAt: number;
  readonly node: number | undefined;
  readonly leaf: boolean;
  /** Plan fetches on the wire (or going) when it was issued: all a non-leaf part may wait for. */
  readonly wave: ReadonlySet<number>;
  /** The trace context it was issued in (its gateway.fetch span): where its request, if it goes first, belongs. */
  readonly trace: Context;
}

/** Handed back by the DataLoader at once, so that each part can stop waiting at its own deadline. */
interface Pending {
  readonly answer: Promise<SubgraphResponse>;
}

const EMPTY: ReadonlySet<number> = new Set();

/** tick: collected in a batch this tick; held: kept back past its tick for a partner; sent: on the wire. */
type NodeState = 'looked-up' | 'tick' | 'held' | 'sent' | 'settled';

interface Group {
  readonly subgraph: string;
  readonly loader: DataLoader<Part, Pending>;
  /** Parts of the batch being collected (DataLoader's own batch is not readable). */
  pending: Part[];
  dispatch: (() => void) | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Merges concurrent fetches of one client request to the same subgraph into
 * one HTTP request (docs/subgraph-fetches.md). Per request (its context
 * object) and subgraph, a DataLoader collects fetches; its batch goes out
 * when the tick ends, as with DataLoader's default schedule, unless the query
 * plan says another fetch to that subgraph is on its way (see #partnerComing);
 * never later than `maxWaitMs` after its first part (nor a third of the own
 * deadline of a part others wait for). A fetch with no possible partner in its
 * plan skips all this. Each part keeps its own deadline: the merged request
 * runs as long as its most patient part allows, and a part whose deadline
 * passes first fails alone (an optional part then gets its fallbacks while a
 * critical one still waits).
 *
 * The schedule is hand-written (DataLoader's `batchScheduleFn`) because no
 * library knows Apollo's query plans; DataLoader does the collecting and
 * handing back. Writes are never merged: each goes out alone, in plan order.
 */
export class FetchMerger {
  readonly #maxWaitMs: number;
  readonly #requests = new WeakMap<object, RequestFetches>();

  constructor(options: { readonly maxWaitMs: number }) {
    this.#maxWaitMs = options.maxWaitMs;
  }

  /** Apollo Gateway's `experimental_didResolveQueryPlan`: the plan of the request about to execute. */
  planResolved(context: object, plan: { readonly node?: PlanNodeShape | undefined }, variables?: Readonly<Record<string, unknown>>): void {
    const request = this.#request(context);
    request.plan = indexPlan(plan);
    for (const node of unpicked(request.plan, variables)) request.mark(node, 'settled');
  }

  async fetch(fetch: MergeableFetch): Promise<SubgraphResponse> {
    const context = fetch.options.context as object | undefined;
    if (!context) return fetch.send(fetch.options, fetch.timeoutMs);
    const request = this.#request(context);
    const query = fetch.options.request.query ?? '';
    const node = request.claim(query);
    // Most fetches have no possible partner in their plan: no batching machinery for them.
    const alone = node !== undefined && request.plan!.fetches[node]!.alone;
    if (alone || isWrite(fetch.options.request) || !isMergeable({ query })) {
      request.mark(node, 'sent');
      try {
        return await fetch.send(fetch.options, fetch.timeoutMs);
      } finally {
        request.settle(node);
      }
    }
    const group = request.group(fetch.subgraph);
    const leaf = node !== undefined && request.plan!.fetches[node]!.leaf;
    const part: Part = { fetch, issuedAt: performance.now(), node, leaf, wave: leaf ? EMPTY : request.moving(), trace: otelContext.active() };
    request.mark(node, 'tick');
    // Joining a batch that is being held may be what it waited for: look again.
    if (group.dispatch) request.lookAgain();
    group.pending.push(part);
    try {
      return await (await group.loader.load(part)).answer;
    } finally {
      request.settle(node);
    }
  }

  /**
   * A plan fetch answered without the wire (the entity cache had all of it):
   * a batch held for it as a partner must not wait on, it will never come.
   */
  answeredElsewhere(options: ProcessOptions): void {
    const context = options.context as object | undefined;
    if (!context) return;
    const request = this.#request(context);
    request.settle(request.claim(options.request.query ?? ''));
  }

  /**
   * A plan fetch the executor has issued but that first goes through the
   * entity cache's lookup (a Redis round trip, perhaps): it is coming, so a
   * batch held for it as a partner keeps waiting instead of leaving without it.
   * Followed by fetch() for its misses, or by answeredElsewhere().
   */
  lookingUp(options: ProcessOptions): void {
    const context = options.context as object | undefined;
    if (context) this.#request(context).lookingUp(options.request.query ?? '');
  }

  #request(context: object): RequestFetches {
    let request = this.#requests.get(context);
    if (!request) {
      request = new RequestFetches(this.#maxWaitMs);
      this.#requests.set(context, request);
    }
    return request;
  }
}

/** One client request's fetches: where each plan fetch is, and the groups collecting them. */
class RequestFetches {
  plan: PlanIndex | undefined;
  readonly #maxWaitMs: number;
  readonly #states = new Map<number, NodeState>();
  readonly #groups = new Map<string, Group>();
  /** Plan fetches in the entity cache's lookup, by operation text, in issue order. */
  readonly #inLookup = new Map<string, number[]>();
  #looking = false;

  constructor(maxWaitMs: number) {
    this.#maxWaitMs = maxWaitMs;
  }

  /** The plan fetch a process() call is, by its operation text (the first of that text not yet issued). */
  nodeOf(query: string): number | undefined {
    return this.plan?.byOperation.get(query)?.find((i) => !this.#states.has(i));
  }

  lookingUp(query: string): void {
    const node = this.nodeOf(query);
    if (node === undefined) return;
    this.mark(node, 'looked-up');
    const nodes = this.#inLookup.get(query);
    if (nodes) nodes.push(node);
    else this.#inLookup.set(query, [node]);
  }

  /** The plan fetch reaching the merger: the oldest of its text in a cache lookup, else the next of that text. */
  claim(query: string): number | undefined {
    return this.#inLookup.get(query)?.shift() ?? this.nodeOf(query);
  }

  mark(node: number | undefined, state: NodeState): void {
    if (node !== undefined) this.#states.set(node, state);
  }

  /** A fetch is done: the executor may now issue (or skip) what waited for it. */
  settle(node: number | undefined): void {
    this.mark(node, 'settled');
    this.lookAgain();
  }

  /** Re-decides every held batch once the executor has run what it can (after the current tick). */
  lookAgain(): void {
    if (this.#looking || ![...this.#groups.values()].some((g) => g.dispatch)) return;
    this.#looking = true;
    setImmediate(() => {
      this.#looking = false;
      for (const group of this.#groups.values()) this.#decide(group);
    });
  }

  /** Plan fetches on the wire now or going this tick. */
  moving(): ReadonlySet<number> {
    const moving = new Set<number>();
    for (const node of this.#states.keys()) if (this.#isMoving(node)) moving.add(node);
    return moving;
  }

  #isMoving(node: number): boolean {
    const state = this.#states.get(node);
    return state === 'sent' || state === 'tick';
  }

  group(subgraph: string): Group {
    let group = this.#groups.get(subgraph);
    if (!group) {
      const created: Group = {
        subgraph,
        pending: [],
        dispatch: undefined,
        timer: undefined,
        loader: new DataLoader<Part, Pending>(async (parts) => this.#send(parts), {
          cache: false,
          batchScheduleFn: (dispatch) => {
            created.dispatch = dispatch;
            // After the tick, as DataLoader's default: every fetch the executor issues together has joined.
            setImmediate(() => this.#decide(created));
          },
        }),
      };
      group = created;
      this.#groups.set(subgraph, group);
    }
    return group;
  }

  #decide(group: Group): void {
    if (!group.dispatch) return;
    const parts = group.pending;
    const waited = performance.now() - Math.min(...parts.map((p) => p.issuedAt));
    // A held leaf costs nothing while its partner is coming, so only maxWaitMs bounds it; a part
    // others wait for also keeps two thirds of its own deadline.
    const cap = Math.min(this.#maxWaitMs, ...parts.filter((p) => !p.leaf).map((p) => p.fetch.timeoutMs / 3));
    if (waited < cap && this.#partnerComing(group, parts)) {
      for (const part of parts) this.mark(part.node, 'held');
      group.timer ??= setTimeout(() => this.#release(group), cap - waited).unref();
      return;
    }
    this.#release(group);
  }

  #release(group: Group): void {
    const dispatch = group.dispatch;
    if (!dispatch) return;
    clearTimeout(group.timer);
    group.timer = undefined;
    group.dispatch = undefined;
    for (const part of group.pending) this.mark(part.node, 'sent');
    group.pending = [];
    dispatch();
  }

  /**
   * Whether to hold the batch: a fetch of the plan to the same subgraph is
   * not issued yet, and
   * - when every part is a leaf of the plan (nothing waits for it): one of
   *   that fetch's predecessors is on the wire, going, or held. Holding a leaf
   *   delays no other fetch, and the request cannot end before the partner's
   *   answer anyway. Cannot deadlock: a leaf is nobody's predecessor.
   * - when a part is not a leaf (its dependents wait with it): that fetch is
   *   one hop away, waiting only for fetches that were on the wire when the
   *   part was issued (or went with it). A held part thus waits for the rest
   *   of about one round trip, not for a chain of them, and never for a fetch
   *   that is itself held (two held batches never wait on each other).
   */
  #partnerComing(group: Group, parts: readonly Part[]): boolean {
    const plan = this.plan;
    if (!plan || parts.some((p) => p.node === undefined)) return false;
    const waves = parts.filter((p) => !p.leaf).map((p) => p.wave);
    return plan.fetches.some((f, i) => {
      const state = this.#states.get(i);
      if (!f.isQuery || f.serviceName !== group.subgraph || (state !== undefined && state !== 'looked-up')) return false;
      // Issued, in the cache's lookup: it comes now, or says it will not (answeredElsewhere).
      if (state === 'looked-up') return true;
      if (waves.length === 0) return f.predecessors.some((p) => this.#isMoving(p) || this.#states.get(p) === 'held');
      return f.predecessors.every((p) => this.#isMoving(p) || this.#states.get(p) === 'settled')
        && waves.every((wave) => f.predecessors.some((p) => wave.has(p) && this.#isMoving(p)));
    });
  }

  #send(parts: readonly Part[]): Pending[] {
    const first = parts[0]!;
    // Each part's deadline runs from now, as if it had been sent alone: time spent held for a
    // partner is the merger's choice, not the subgraph's slowness, and must not turn an optional
    // part into fallbacks (the request's own deadline still bounds everything).
    const own = (part: Part) => part.fetch.timeoutMs;
    if (parts.length === 1) return [{ answer: otelContext.with(first.trace, () => first.fetch.send(first.fetch.options, own(first))) }];
    // On each part's gateway.fetch span; only the first one's is the parent of the subgraph's server span.
    for (const part of parts) trace.getSpan(part.trace)?.setAttribute('storefront.merged_fetches', parts.length);
    // As long as the most patient part allows; the others stop waiting at their own deadlines.
    const timeoutMs = Math.max(...parts.map(own));
    const requests = parts.map((p) => p.fetch.options.request);
    const merged = mergeParts(requests.map((r) => ({ query: r.query!, variables: r.variables })), first.fetch.options.request.operationName ?? undefined);
    const options = {
      ...first.fetch.options,
      request: { ...first.fetch.options.request, query: merged.query, variables: merged.variables, http: undefined },
      document: undefined,
      pathInIncomingRequest: undefined,
    } as ProcessOptions;
    const answers = otelContext.with(first.trace, () => first.fetch.send(options, timeoutMs)).then((response) =>
      // Every part keeps the merged answer's HTTP side: its Cache-Control is the
      // subgraph's policy for all parts together, so no stricter than any part's.
      splitAnswer(requests.map((r) => ({ query: r.query! })), response as FetchAnswer).map((answer) => ({ ...answer, http: response.http })),
    );
    return parts.map((part, i) => ({ answer: within(answers.then((a) => a[i] as SubgraphResponse), own(part) < timeoutMs ? own(part) : undefined, part.fetch.timedOut) }));
  }
}

function within<T>(answer: Promise<T>, ms: number | undefined, timedOut: () => Error): Promise<T> {
  if (ms === undefined) return answer;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  return Promise.race([answer, deadline]).finally(() => clearTimeout(timer));
}
