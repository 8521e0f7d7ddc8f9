import { formatText, subjectOf } from './format-text.ts';
import type { CheckReport, Finding, SourceLocation } from './types.ts';

/*
 * GitHub Actions workflow commands (docs.github.com, "Workflow commands for
 * GitHub Actions"): `::error file=F,line=L,title=T::message`. The escaping is
 * @actions/core's escapeData/escapeProperty; that package is a dependency of
 * actions, not of a CLI, so the two lines are copied here instead.
 */
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

function command(level: 'error' | 'warning' | 'notice', title: string, message: string, location: SourceLocation | undefined): string {
  const properties = [...(location ? [`file=${escapeProperty(location.file)}`, `line=${location.line}`] : []), `title=${escapeProperty(title)}`];
  return `::${level} ${properties.join(',')}::${escapeData(message)}`;
}

const LEVEL = { BREAKING: 'error', DANGEROUS: 'warning', SAFE: 'notice' } as const;

function annotation(finding: Finding): string {
  const reason = finding.kind === 'schema' ? ` (${finding.reason})` : '';
  return command(LEVEL[finding.severity], `${finding.severity} ${finding.type}: ${subjectOf(finding)}`, `${finding.message}${reason}`, finding.location);
}

/**
 * One annotation per composition error and finding, pointing at the subgraph
 * SDL line (or the persisted operation's file), then the human report for the
 * job log. Approved breaking changes become notices that say who approved them.
 */
export function formatGithub(report: CheckReport): string {
  const lines: string[] = [];
  for (const e of report.composition.errors) lines.push(command('error', `Composition error ${e.code}`, e.message, e.locations[0]));
  for (const f of report.findings) lines.push(annotation(f));
  for (const { finding, approval } of report.approved) {
    lines.push(command('notice', `Approved ${finding.type}: ${subjectOf(finding)}`, `${finding.message} Approved by ${approval.source}: ${approval.reason}`, finding.location));
  }
  lines.push(formatText(report));
  return lines.join('\n');
}
