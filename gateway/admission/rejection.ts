import { statusOf, type ErrorCode, type OtherStatus } from '../../common/errors.ts';

/**
 * A refusal decided before execution, by any step of admission (persisted
 * queries, limits, cost, budget, batching): answered as `{ errors }` with no
 * `data` key, with the catalogue's HTTP status for its code.
 */
export interface Rejection {
  readonly kind: 'reject';
  readonly code: ErrorCode;
  readonly status: number;
  readonly message: string;
  /** Extra error extensions (numbers such as `limit` or `cost`). */
  readonly extensions?: Record<string, unknown>;
  /** Response extensions (Shopify's `cost` on THROTTLED). */
  readonly responseExtensions?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

export interface RejectOptions<C extends ErrorCode> {
  readonly extensions?: Record<string, unknown>;
  readonly responseExtensions?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  /** One of the other statuses the catalogue lists for `code` (405 for a mutation sent over GET); the code's own otherwise. */
  readonly status?: OtherStatus<C>;
}

/** The one way to build a refusal: the status comes from the error catalogue. */
export function reject<C extends ErrorCode>(code: C, message: string, options: RejectOptions<C> = {}): Rejection {
  const { status, ...rest } = options;
  // OtherStatus<C> is a union of numbers TypeScript cannot widen through the conditional type.
  return { kind: 'reject', code, status: statusOf(code, status as number | undefined), message, ...rest };
}

export function rejectionBody(rejection: Rejection): string {
  return JSON.stringify({
    errors: [{ message: rejection.message, extensions: { code: rejection.code, ...rejection.extensions } }],
    ...(rejection.responseExtensions ? { extensions: rejection.responseExtensions } : {}),
  });
}
