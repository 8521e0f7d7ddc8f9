import { operationLabel } from './operations.ts';
import { SEVERITIES, type CheckReport, type Finding } from './types.ts';

/** What a finding is about, in one short phrase: the coordinate, or the operation and its field path. */
export function subjectOf(finding: Finding): string {
  if (finding.kind === 'schema') return finding.path;
  const where = finding.kind === 'operation' && finding.fieldPath ? ` (${finding.fieldPath})` : '';
  return `${operationLabel(finding)}${where}`;
}

/** One line per finding: kind, type, subject, message and reason. */
export function describe(finding: Finding): string {
  const reason = finding.kind === 'schema' ? ` — ${finding.reason}` : '';
  return `${finding.kind.padEnd(9)} ${finding.type.padEnd(28)} ${subjectOf(finding)}: ${finding.message}${reason}`;
}

function at(finding: Finding): string {
  return finding.location ? `\n      at ${finding.location.file}:${finding.location.line}` : '';
}

/** The human report: composition, then findings grouped by severity, then approvals, then the verdict. */
export function formatText(report: CheckReport): string {
  const lines: string[] = [];
  lines.push(`Schema check against ${report.base}`);
  const { operations, clients, releases } = report.checked;
  lines.push(`Persisted operations: ${operations} from clients ${clients.join(', ') || '(none)'}; shipped releases ${releases.join(', ') || '(none)'}`);
  if (!report.composition.ok) {
    lines.push('', `COMPOSITION FAILED (${report.composition.errors.length})`);
    for (const e of report.composition.errors) {
      lines.push(`  [${e.code}] ${e.message}`);
      for (const l of e.locations) lines.push(`      at ${l.file}:${l.line}`);
    }
  }
  for (const severity of SEVERITIES) {
    const group = report.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push('', `${severity} (${group.length})`);
    for (const f of group) lines.push(`  ${describe(f)}${at(f)}`);
  }
  if (report.approved.length > 0) {
    lines.push('', `APPROVED BREAKING (${report.approved.length})`);
    for (const { finding, approval } of report.approved) {
      lines.push(`  ${describe(finding)}`, `      approved for ${approval.path}${approval.type ? ` (${approval.type})` : ''} by ${approval.source}: ${approval.reason}`);
    }
  }
  if (report.unusedApprovals.length > 0) {
    lines.push('', 'Approvals that matched nothing (delete them once the change has shipped):');
    for (const a of report.unusedApprovals) lines.push(`  ${a.path}${a.type ? ` (${a.type})` : ''} in ${a.source}`);
  }
  const s = report.summary;
  const counts = report.composition.ok ? `${s.BREAKING} breaking, ${s.DANGEROUS} dangerous, ${s.SAFE} safe, ${s.approved} approved` : 'composition failed';
  lines.push('', `Result: ${report.verdict.toUpperCase()} (${counts})`);
  return lines.join('\n');
}
