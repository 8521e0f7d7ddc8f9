import {
  GraphQLError,
  isInputType,
  Kind,
  parse,
  typeFromAST,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compareInputType, compareOutputType } from './type-compat.ts';
import type { OperationFinding, OperationOrigin, SourceLocation } from './types.ts';
import { fieldAt, walkFields, type SelectedField } from './walk.ts';

/** A persisted operation to check: from a client's current manifest or a shipped release. */
export interface PersistedOperation extends OperationOrigin {
  readonly body: string;
  /** Where to point annotations about this operation (its source file or its manifest). */
  readonly location?: SourceLocation;
  /** Line of a response path in the operation's source file, when there is one (a .graphql file). */
  readonly lineOf?: (fieldPath: string) => number | undefined;
}

/** How reports name an operation: `mobile@4.11.0 ProductPage`, or `web ProductPage` for the current manifest. */
export function operationLabel(o: OperationOrigin): string {
  return `${o.client}${o.release === null ? '' : `@${o.release}`} ${o.operation}`;
}

function parsed(op: PersistedOperation): DocumentNode | GraphQLError {
  try {
    return parse(op.body);
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
}

/**
 * Which operations use each schema coordinate (`Type.field`, `Type.field.arg`),
 * walked against the base schema: this is what decides whether removing a
 * deprecated field breaks anyone. Pure.
 */
export function coordinateUsage(schema: GraphQLSchema, operations: readonly PersistedOperation[]): Map<string, string[]> {
  const usage = new Map<string, string[]>();
  const add = (coordinate: string, label: string) => {
    const users = usage.get(coordinate);
    if (!users) usage.set(coordinate, [label]);
    else if (!users.includes(label)) users.push(label);
  };
  for (const op of operations) {
    const document = parsed(op);
    if (document instanceof GraphQLError) continue;
    const label = operationLabel(op);
    walkFields(schema, document, ({ node, parentType }) => {
      if (!parentType) return;
      add(`${parentType.name}.${node.name.value}`, label);
      for (const arg of node.arguments ?? []) add(`${parentType.name}.${node.name.value}.${arg.name.value}`, label);
    });
  }
  return usage;
}

/**
 * Checks one persisted operation against the proposed schema: it must still
 * validate, and nothing it selects or sends may have changed in a way that
 * breaks the client that shipped it (see type-compat.ts). Pure.
 */
export function checkOperation(base: GraphQLSchema, next: GraphQLSchema, op: PersistedOperation): OperationFinding[] {
  const findings: OperationFinding[] = [];
  const finding = (f: Pick<OperationFinding, 'severity' | 'type' | 'fieldPath' | 'path' | 'message'>): void => {
    const line = f.fieldPath === null ? undefined : op.lineOf?.(f.fieldPath);
    const location = op.location && line !== undefined ? { ...op.location, line } : op.location;
    findings.push({ kind: 'operation', client: op.client, release: op.release, operation: op.operation, id: op.id, ...f, ...(location ? { location } : {}) });
  };
  const document = parsed(op);
  if (document instanceof GraphQLError) {
    finding({ severity: 'BREAKING', type: 'INVALID', fieldPath: null, path: null, message: `cannot be parsed: ${document.message}` });
    return findings;
  }
  const selected: SelectedField[] = [];
  walkFields(base, document, (field) => selected.push(field));

  for (const error of validate(next, document)) {
    const where = locateError(selected, error);
    finding({ severity: 'BREAKING', type: 'INVALID', ...where, message: `no longer validates: ${error.message}` });
  }
  if (findings.length > 0) return findings; // type comparisons are moot for an operation the gateway refuses

  for (const { node, parentType, fieldDef, responsePath } of selected) {
    if (!parentType || !fieldDef) continue; // new in this change: validated above
    const nextParent = next.getType(parentType.name);
    const nextField = nextParent && 'getFields' in nextParent ? nextParent.getFields()[node.name.value] : undefined;
    if (!nextField || !('args' in nextField)) continue;
    const path = `${parentType.name}.${node.name.value}`;
    for (const problem of compareOutputType(fieldDef.type, nextField.type)) {
      finding({ severity: problem.severity, type: problem.type, fieldPath: responsePath, path, message: `${path}: ${problem.message}` });
    }
    const sent = new Set((node.arguments ?? []).map((a) => a.name.value));
    for (const arg of fieldDef.args) {
      const nextArg = nextField.args.find((a) => a.name === arg.name);
      if (!nextArg || sent.has(arg.name)) continue;
      if (JSON.stringify(arg.defaultValue) !== JSON.stringify(nextArg.defaultValue)) {
        finding({
          severity: 'DANGEROUS',
          type: 'ARGUMENT_DEFAULT_CHANGED',
          fieldPath: responsePath,
          path: `${path}.${arg.name}`,
          message: `${path}(${arg.name}:) default changed from ${JSON.stringify(arg.defaultValue)} to ${JSON.stringify(nextArg.defaultValue)}, and the operation does not send it`,
        });
      }
    }
  }

  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    checkVariables(base, next, definition, finding);
  }
  return findings;
}

/**
 * The field (and argument) a validation error is about, for the report: the
 * first of the error's nodes that lies inside a field selection. A variable
 * used where the type changed points at the argument it is passed to.
 */
function locateError(selected: readonly SelectedField[], error: GraphQLError): { fieldPath: string | null; path: string | null } {
  for (const node of error.nodes ?? []) {
    const offset = node.loc?.start ?? -1;
    const at = fieldAt(selected, offset);
    if (!at) continue;
    const arg = at.node.arguments?.find((a) => a.loc !== undefined && offset >= a.loc.start && offset < a.loc.end);
    const coordinate = at.parentType ? `${at.parentType.name}.${at.node.name.value}${arg ? `.${arg.name.value}` : ''}` : null;
    return { fieldPath: at.responsePath, path: coordinate };
  }
  return { fieldPath: null, path: null };
}

function checkVariables(
  base: GraphQLSchema,
  next: GraphQLSchema,
  operation: OperationDefinitionNode,
  finding: (f: Pick<OperationFinding, 'severity' | 'type' | 'fieldPath' | 'path' | 'message'>) => void,
): void {
  for (const variable of operation.variableDefinitions ?? []) {
    const before = typeFromAST(base, variable.type);
    const after = typeFromAST(next, variable.type);
    if (!before || !after || !isInputType(before) || !isInputType(after)) continue;
    const name = `$${variable.variable.name.value}`;
    for (const problem of compareInputType(before, after)) {
      finding({ severity: problem.severity, type: problem.type, fieldPath: name, path: problem.path, message: `variable ${name}: ${problem.message}` });
    }
  }
}
