import type { CatalogIssue } from './types.ts';

/** Renders one issue as `file: entry "model": field: message`, the form every pricing error uses. */
export function formatIssue(issue: CatalogIssue): string {
  const where = [issue.file];
  if (issue.entry !== undefined) where.push(`entry "${issue.entry}"`);
  if (issue.field !== undefined) where.push(issue.field);
  return `${where.join(': ')}: ${issue.message}`;
}

/**
 * A price catalog or override file is invalid. `issues` lists every problem found, not only the
 * first, so a user fixes a file in one pass; `file`, `entry` and `field` locate the first one.
 */
export class PricingConfigError extends Error {
  readonly issues: readonly CatalogIssue[];
  readonly file: string;
  readonly entry: string | undefined;
  readonly field: string | undefined;

  constructor(issues: readonly CatalogIssue[]) {
    const first = issues[0] ?? { file: '(unknown)', message: 'invalid price catalog' };
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
    super(`${formatIssue(first)}${more}`);
    this.name = 'PricingConfigError';
    this.issues = issues;
    this.file = first.file;
    this.entry = first.entry;
    this.field = first.field;
  }
}
