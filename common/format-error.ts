import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from './logger.ts';
import { ErrorCode, KNOWN_CODES } from './errors.ts';

/** Codes Apollo Server itself produces for bad requests; their messages are written for clients. */
const APOLLO_CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export interface FormatErrorOptions {
  readonly logger: Logger;
  /**
   * Whether errors that already carry some code we do not know are shown as
   * written. The gateway says yes: other teams' subgraphs have codes of their
   * own. A subgraph of ours says no: everything it sends is in our catalogue.
   */
  readonly passUnknownCodes: boolean;
}

/**
 * Apollo Server `formatError`: keeps catalogue errors as they are (minus any
 * stack trace), and replaces anything unexpected by a generic
 * INTERNAL_SERVER_ERROR after logging the original, so no internal message,
 * stack or upstream detail reaches a client.
 */
export function createFormatError(options: FormatErrorOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.['code'];
    const known =
      typeof code === 'string' &&
      code !== ErrorCode.INTERNAL_SERVER_ERROR &&
      (KNOWN_CODES.has(code) || APOLLO_CLIENT_CODES.has(code) || options.passUnknownCodes);
    if (known) {
      const { stacktrace: _stacktrace, exception: _exception, ...extensions } = formatted.extensions ?? {};
      // Apollo's own wording tells the client which server software runs here.
      const message = extensions['validationErrorCode'] === 'INTROSPECTION_DISABLED' ? 'Introspection is disabled on this endpoint' : formatted.message;
      return { ...formatted, message, extensions };
    }
    options.logger.error({ err: unwrapResolverError(error), path: formatted.path }, 'unexpected error masked');
    return {
      message: 'Internal server error',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...serviceName(formatted) },
    };
  };
}

/** The gateway tags subgraph errors with `serviceName`; a subgraph name is not a secret and helps clients report issues. */
function serviceName(formatted: GraphQLFormattedError): Record<string, unknown> {
  const name = formatted.extensions?.['serviceName'];
  return typeof name === 'string' ? { serviceName: name } : {};
}
