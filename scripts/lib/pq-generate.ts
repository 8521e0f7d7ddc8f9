import { GraphQLError, Kind, parse, print, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { hashOperation, MANIFEST_FORMAT, type ManifestOperation, type PersistedQueryManifest } from '../../gateway/admission/persisted-queries/manifest.ts';

/** One operation file a client ships: `persisted-queries/<client>/<Name>.graphql`. */
export interface OperationSource {
  /** Path as shown in reports. */
  readonly file: string;
  readonly text: string;
}

export interface OperationProblem {
  readonly file: string;
  readonly operation: string | undefined;
  readonly message: string;
}

export interface GeneratedOperation {
  readonly file: string;
  readonly operation: ManifestOperation;
  /** The parsed body, for reports that analyse it (cost). */
  readonly document: DocumentNode;
}

export type GenerationOutcome =
  | { readonly ok: true; readonly manifest: PersistedQueryManifest; readonly operations: readonly GeneratedOperation[] }
  | { readonly ok: false; readonly problems: readonly OperationProblem[] };

const fileStem = (file: string) => file.replace(/^.*[\\/]/, '').replace(/\.graphql$/, '');

function where(error: GraphQLError): string {
  const location = error.locations?.[0];
  return location ? ` (line ${location.line}, column ${location.column})` : '';
}

/**
 * Builds a client's manifest from its operation files, or lists every problem:
 * syntax errors, validation errors against `schema`, a file without exactly
 * one operation, an operation not named like its file, duplicate names. Pure.
 *
 * The body is `print(parse(file))`: comments and formatting are dropped, as
 * clients that import `.graphql` files send the printed document, and the id
 * is the SHA-256 of that body. Operations are sorted by name so the output is
 * stable across file systems.
 */
export function generateManifest(clientName: string, sources: readonly OperationSource[], schema: GraphQLSchema): GenerationOutcome {
  const problems: OperationProblem[] = [];
  const operations: GeneratedOperation[] = [];
  const fileOfName = new Map<string, string>();
  for (const source of sources) {
    let document: DocumentNode;
    try {
      document = parse(source.text, { noLocation: false });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      problems.push({ file: source.file, operation: undefined, message: `syntax error: ${error.message}${where(error)}` });
      continue;
    }
    const definitions = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const name = definitions[0]?.name?.value;
    if (definitions.length !== 1 || name === undefined) {
      problems.push({ file: source.file, operation: name, message: `expected exactly one named operation, found ${definitions.length}${definitions.length === 1 ? ' (anonymous)' : ''}` });
      continue;
    }
    if (name !== fileStem(source.file)) {
      problems.push({ file: source.file, operation: name, message: `the operation must be named like its file (${fileStem(source.file)})` });
    }
    const previous = fileOfName.get(name);
    if (previous !== undefined) problems.push({ file: source.file, operation: name, message: `operation name already used by ${previous}` });
    fileOfName.set(name, source.file);
    for (const error of validate(schema, document)) {
      problems.push({ file: source.file, operation: name, message: `${error.message}${where(error)}` });
    }
    const body = print(document);
    operations.push({
      file: source.file,
      document: parse(body),
      operation: { id: hashOperation(body), name, type: definitions[0]!.operation, body, clientName },
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  operations.sort((a, b) => (a.operation.name < b.operation.name ? -1 : a.operation.name > b.operation.name ? 1 : 0));
  return {
    ok: true,
    operations,
    manifest: { format: MANIFEST_FORMAT, version: 1, operations: operations.map((o) => o.operation) },
  };
}

/** The manifest file's exact text: what is committed and what `--check` compares. */
export function manifestText(manifest: PersistedQueryManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
