import { ChangeType, CriticalityLevel, diff, DiffRule, type Change } from '@graphql-inspector/core';
import type { GraphQLSchema } from 'graphql';
import type { SchemaChange, Severity } from './types.ts';

const SEVERITY_OF: Record<CriticalityLevel, Severity> = {
  [CriticalityLevel.Breaking]: 'BREAKING',
  [CriticalityLevel.Dangerous]: 'DANGEROUS',
  [CriticalityLevel.NonBreaking]: 'SAFE',
};

/** One-line reasons where GraphQL Inspector gives none. */
const REASONS: Partial<Record<string, string>> = {
  [ChangeType.FieldRemoved]: 'operations selecting it stop validating',
  [ChangeType.FieldTypeChanged]: 'clients read a different type or may now receive null',
  [ChangeType.TypeRemoved]: 'operations and variables naming it stop validating',
  [ChangeType.TypeKindChanged]: 'operations selecting it no longer match its shape',
  [ChangeType.FieldArgumentRemoved]: 'operations passing it stop validating',
  [ChangeType.FieldArgumentAdded]: 'a required argument makes operations that do not pass it invalid',
  [ChangeType.InputFieldAdded]: 'a required input field makes variables sent without it invalid',
  [ChangeType.InputFieldRemoved]: 'variables that still send it are refused',
  [ChangeType.InputFieldTypeChanged]: 'variables sent with the old type may be refused',
  [ChangeType.EnumValueRemoved]: 'operations or variables using the value are refused',
  [ChangeType.UnionMemberRemoved]: 'fragments on the member stop validating',
  [ChangeType.UnionMemberAdded]: 'clients may receive a __typename they do not handle',
  [ChangeType.ObjectTypeInterfaceRemoved]: 'fragments on the interface stop matching the type',
  [ChangeType.ObjectTypeInterfaceAdded]: 'clients may receive a new implementation of the interface',
  [ChangeType.DirectiveRemoved]: 'operations using the directive stop validating',
};

/**
 * Where we classify differently from GraphQL Inspector, and why. Inspector
 * follows graphql-js's findDangerousChanges, which calls any added optional
 * argument dangerous; an operation that does not send it behaves as before
 * unless its default differs from the old behaviour, which a reviewer sees in
 * the resolver change, not the schema. Rover and Hive report it as safe.
 */
function reclassify(change: Change, severity: Severity): { severity: Severity; reason?: string } {
  if (change.type === ChangeType.FieldArgumentAdded && severity === 'DANGEROUS') {
    return { severity: 'SAFE', reason: 'optional: existing operations do not send it' };
  }
  return { severity };
}

/** Who uses a schema coordinate: "mobile@4.11.0 ProductPage", one entry per operation. */
export type CoordinateUsage = ReadonlyMap<string, readonly string[]>;

function usedBy(usage: CoordinateUsage, path: string): readonly string[] {
  return usage.get(path) ?? [];
}

/**
 * Diffs two API schemas with GraphQL Inspector (the engine behind Hive's schema
 * checks) and classifies every change BREAKING, DANGEROUS or SAFE.
 *
 * Removing a field deprecated beforehand is DANGEROUS (the deprecation was the
 * warning) unless a persisted operation of a current client or a shipped
 * release still selects it: then it is BREAKING, naming the operations.
 * Removing a field that was never deprecated is BREAKING even when nothing
 * selects it, since unknown clients may.
 */
export async function diffApiSchemas(base: GraphQLSchema, next: GraphQLSchema, usage: CoordinateUsage): Promise<SchemaChange[]> {
  const changes = await diff(base, next, [DiffRule.suppressRemovalOfDeprecatedField, DiffRule.ignoreDescriptionChanges]);
  return changes.map((change): SchemaChange => {
    const path = change.path ?? '';
    let { severity, reason } = reclassify(change, SEVERITY_OF[change.criticality.level]);
    reason ??= REASONS[change.type] ?? firstSentence(change.criticality.reason) ?? describeSafe(severity);
    const users = usedBy(usage, path);
    if (change.type === ChangeType.FieldRemoved && severity === 'DANGEROUS' && users.length > 0) {
      severity = 'BREAKING';
      reason = `deprecated, but still selected by ${summarise(users)}`;
    } else if (change.type === ChangeType.FieldRemoved && severity === 'DANGEROUS') {
      reason = 'deprecated, and no persisted operation of any client or shipped release selects it';
    }
    return { kind: 'schema', severity, type: change.type, path, message: change.message, reason: firstLine(reason) };
  });
}

function describeSafe(severity: Severity): string {
  return severity === 'SAFE' ? 'additive: existing operations are unaffected' : 'may change what existing clients receive';
}

function summarise(users: readonly string[]): string {
  return users.length <= 3 ? users.join(', ') : `${users.slice(0, 3).join(', ')} and ${users.length - 3} more`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

/** Inspector's reasons run to several sentences; a report line takes the first. */
function firstSentence(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const end = text.search(/\.\s/);
  return (end < 0 ? text : text.slice(0, end)).trim().replace(/\.$/, '');
}
