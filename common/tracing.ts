import { context, propagation, ROOT_CONTEXT, trace, type Context, type TextMapGetter, type TextMapSetter, type Tracer } from '@opentelemetry/api';
import type { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { createRequire } from 'node:module';
import type { resourceFromAttributes } from '@opentelemetry/resources';
import type * as SdkTraceBase from '@opentelemetry/sdk-trace-base';
import type { BasicTracerProvider, InMemorySpanExporter, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * OpenTelemetry for the whole request path (gateway → subgraph → REST): one
 * tracer provider per process, an AsyncLocalStorage context manager (spans nest
 * across awaits) and the W3C trace-context propagator (`traceparent`).
 *
 * Apollo Gateway creates its own spans through @opentelemetry/api once a
 * provider is registered (gateway.request, gateway.validate, gateway.plan,
 * gateway.execute, gateway.fetch, gateway.postprocessing); we add the HTTP
 * server spans (common/http-tracing.ts), `traceparent` on gateway → subgraph
 * fetches (gateway/subgraphs/data-source.ts) and a client span per REST call
 * (subgraphs/shared/rest-tracing.ts).
 *
 * Without `otlpEndpoint` nothing is recorded (AlwaysOff sampler: spans are
 * no-ops) but every hop still sends a `traceparent`, so logs and upstreams see
 * one trace id per request. With it, spans go to the OTLP/HTTP collector in
 * batches, and a caller's sampling decision is honoured (parent-based).
 *
 * Hazard: spans must not carry tokens, variable values or personal data. Only
 * route templates ("/users/:id"), methods, status codes, service names and
 * GraphQL operation names go in attributes; Apollo's `includeDocument` stays off.
 */
export interface TracingOptions {
  /** Resource `service.name`, e.g. "gateway-web" or "subgraph-catalog". */
  readonly serviceName: string;
  /** OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces. Undefined: spans are not recorded. */
  readonly otlpEndpoint?: string | undefined;
  /**
   * Without an endpoint: `propagate` (the default) still installs the SDK and
   * an AsyncLocalStorage context manager, so `traceparent` follows the active
   * (non-recording) span across awaits. `forward` installs nothing: no span
   * and no context work per request; the caller forwards the request's
   * `traceparent` itself (forwardedTraceparent, injectTraceContext). The
   * gateway uses `forward`: that context work was ~2.5 % of its CPU.
   */
  readonly untraced?: 'propagate' | 'forward';
}

type Installed =
  | { readonly kind: 'otlp' | 'off'; readonly provider: BasicTracerProvider; readonly serviceName: string }
  | { readonly kind: 'forward'; readonly serviceName: string }
  | { readonly kind: 'memory'; readonly provider: BasicTracerProvider; readonly exporter: InMemorySpanExporter };

// Process-wide by nature: @opentelemetry/api keeps one global provider,
// context manager and propagator per process, and refuses a second registration.
let installed: Installed | undefined;

/**
 * The SDK packages, loaded on first use: a gateway in `forward` mode never
 * needs them, and they (with their sources, which V8 keeps) are ~3 MB of heap.
 * They are CommonJS, so `require` returns what an `import` would, synchronously.
 */
const load = createRequire(import.meta.url);
const sdk = () => load('@opentelemetry/sdk-trace-base') as typeof SdkTraceBase;

function install(serviceName: string, processors: SpanProcessor[], recording: boolean): BasicTracerProvider {
  const { BasicTracerProvider: Provider, ParentBasedSampler, AlwaysOnSampler, AlwaysOffSampler } = sdk();
  const { resourceFromAttributes: resource } = load('@opentelemetry/resources') as { resourceFromAttributes: typeof resourceFromAttributes };
  const { AsyncLocalStorageContextManager: ContextManager } = load('@opentelemetry/context-async-hooks') as { AsyncLocalStorageContextManager: typeof AsyncLocalStorageContextManager };
  const { W3CTraceContextPropagator: Propagator } = load('@opentelemetry/core') as { W3CTraceContextPropagator: typeof W3CTraceContextPropagator };
  const provider = new Provider({
    // ATTR_SERVICE_NAME of @opentelemetry/semantic-conventions, a 0.4 MB module for one constant.
    resource: resource({ 'service.name': serviceName }),
    sampler: recording ? new ParentBasedSampler({ root: new AlwaysOnSampler() }) : new AlwaysOffSampler(),
    spanProcessors: processors,
  });
  context.setGlobalContextManager(new ContextManager().enable());
  propagation.setGlobalPropagator(new Propagator());
  trace.setGlobalTracerProvider(provider);
  return provider;
}

/**
 * The OTLP/HTTP exporter, loaded only when an endpoint is configured: it and
 * its transformer and protobuf dependencies hold about 3 MB of heap in every
 * process that imports them, and V8 lets the heap grow to a multiple of what
 * it holds. The package is CommonJS, so `require` returns the same module an
 * `import` would, synchronously.
 */
function otlpExporter(url: string): SpanExporter {
  const { OTLPTraceExporter: Exporter } = load('@opentelemetry/exporter-trace-otlp-http') as { OTLPTraceExporter: typeof OTLPTraceExporter };
  return new Exporter({ url });
}

/**
 * Sets tracing up for this process; the first call wins (in production each
 * process runs one gateway or one subgraph; in tests several share a process
 * and the test's in-memory exporter, installed first, wins).
 */
export function startTracing(options: TracingOptions): void {
  if (installed) return;
  if (!options.otlpEndpoint && options.untraced === 'forward') {
    installed = { kind: 'forward', serviceName: options.serviceName };
    return;
  }
  const processors = options.otlpEndpoint ? [new (sdk().BatchSpanProcessor)(otlpExporter(options.otlpEndpoint))] : [];
  const provider = install(options.serviceName, processors, processors.length > 0);
  installed = { kind: options.otlpEndpoint ? 'otlp' : 'off', provider, serviceName: options.serviceName };
}

/**
 * For tests: records every span in memory, exported as each span ends. Call it
 * before starting any server (a process gets one provider). Idempotent.
 */
export function installInMemoryTracing(): InMemorySpanExporter {
  if (installed?.kind === 'memory') return installed.exporter;
  if (installed) throw new Error(`tracing is already set up for ${installed.serviceName} (${installed.kind}); install the in-memory exporter before starting servers`);
  const { InMemorySpanExporter: Exporter, SimpleSpanProcessor } = sdk();
  const exporter = new Exporter();
  const provider = install('storefront-bff-test', [new SimpleSpanProcessor(exporter)], true);
  installed = { kind: 'memory', provider, exporter };
  return exporter;
}

/** Sends spans still buffered (OTLP batches) before the process stops; never throws. */
export async function flushTracing(): Promise<void> {
  if (installed && installed.kind !== 'forward') await installed.provider.forceFlush().catch(() => {});
}

/** Whether spans and their context follow requests in this process (false in `forward` mode, or before startTracing). */
export function tracingContextActive(): boolean {
  return installed !== undefined && installed.kind !== 'forward';
}

const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * In `forward` mode, the `traceparent` a request passes on: the caller's, if
 * well-formed (version 00), else a new trace's (not sampled), so every hop of
 * one request still shares one trace id. Undefined while the SDK propagates
 * from the active span instead (injectTraceContext needs nothing then).
 */
export function forwardedTraceparent(incoming: string | string[] | undefined): string | undefined {
  if (tracingContextActive()) return undefined;
  if (typeof incoming === 'string' && TRACEPARENT.test(incoming)) return incoming;
  // Random UUIDs: never all zeros (their version and variant bits are set), as W3C requires of both ids.
  const traceId = crypto.randomUUID().replaceAll('-', '');
  const parentId = crypto.randomUUID().replaceAll('-', '').slice(16);
  return `00-${traceId}-${parentId}-00`;
}

/** The tracer of one component; its name is the span's instrumentation scope ("gateway-web", "subgraph-cart"). */
export function tracerFor(component: string): Tracer {
  return trace.getTracer(component);
}

const recordSetter: TextMapSetter<Record<string, string>> = { set: (carrier, key, value) => void (carrier[key] = value) };
const headersSetter: TextMapSetter<{ set(key: string, value: string): unknown }> = { set: (carrier, key, value) => void carrier.set(key, value) };

/**
 * Writes `traceparent` (and `tracestate`) of the active span into outgoing
 * headers; in `forward` mode, the request's `forwarded` one (forwardedTraceparent).
 */
export function injectTraceContext(headers: Record<string, string> | { set(key: string, value: string): unknown }, forwarded?: string): void {
  if (forwarded !== undefined) {
    if (typeof (headers as { set?: unknown }).set === 'function') (headers as { set(key: string, value: string): unknown }).set('traceparent', forwarded);
    else (headers as Record<string, string>)['traceparent'] = forwarded;
    return;
  }
  if (typeof (headers as { set?: unknown }).set === 'function') propagation.inject(context.active(), headers as { set(key: string, value: string): unknown }, headersSetter);
  else propagation.inject(context.active(), headers as Record<string, string>, recordSetter);
}

type IncomingHeaders = Record<string, string | string[] | undefined>;
const incomingGetter: TextMapGetter<IncomingHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key.toLowerCase()],
};

/**
 * The caller's trace context from incoming headers, on top of the ROOT
 * context, never the active one: in a test process the server's socket may
 * have been accepted inside some other request's context.
 */
export function extractTraceContext(headers: IncomingHeaders): Context {
  return propagation.extract(ROOT_CONTEXT, headers, incomingGetter);
}
