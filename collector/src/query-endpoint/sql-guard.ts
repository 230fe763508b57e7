/**
 * A lexical check that a request holds exactly one read-only statement. It is the first of two
 * locks: the queries also run on a session with `readonly = 1`, so anything this check misses is
 * still refused by ClickHouse itself; this one gives a clear error before anything runs.
 */

const READ_ONLY_STATEMENTS = new Set(['SELECT', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'WITH', 'EXPLAIN']);

export type StatementCheck = { ok: true; keyword: string } | { ok: false; reason: string };

/** Splits SQL into code with literals and comments blanked out, so keywords and `;` can be found. */
export function maskLiteralsAndComments(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '#' && (next === ' ' || next === '!')) {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < sql.length && sql[j] !== c) j += sql[j] === '\\' ? 2 : 1;
      const stop = Math.min(j + 1, sql.length);
      out += c + ' '.repeat(Math.max(0, stop - i - 2)) + (stop - i >= 2 ? c : '');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Accepts one SELECT / SHOW / DESCRIBE / EXISTS / WITH / EXPLAIN statement, nothing else. */
export function checkReadOnlyStatement(sql: string): StatementCheck {
  const code = maskLiteralsAndComments(sql);
  const semicolon = code.indexOf(';');
  if (semicolon !== -1 && code.slice(semicolon + 1).trim() !== '') {
    return { ok: false, reason: 'only one statement per request is accepted' };
  }
  const keyword = /^[\s(]*([A-Za-z]+)/.exec(code)?.[1]?.toUpperCase();
  if (!keyword) return { ok: false, reason: 'empty query' };
  if (!READ_ONLY_STATEMENTS.has(keyword)) {
    return {
      ok: false,
      reason: `${keyword} is not allowed: this endpoint is read-only and accepts only SELECT, SHOW, DESCRIBE, EXISTS, WITH and EXPLAIN`,
    };
  }
  return { ok: true, keyword };
}

/** The output format named by a trailing `FORMAT name` clause, if any. */
export function formatClause(sql: string): string | undefined {
  const code = maskLiteralsAndComments(sql).replace(/;\s*$/, '');
  return /\bFORMAT\s+([A-Za-z0-9_]+)\s*$/i.exec(code)?.[1];
}
