// The push's two transaction round trips each carry more than one statement (BEGIN and the lock
// before the first read; COMMIT after the writes). node-postgres sends several statements only as
// one simple query, which has no bind parameters, so each of those statements takes its values as
// ONE JSON document written as a literal by the function below, and reads them in SQL.

/**
 * `value` as JSON in an SQL string literal, cast to jsonb. An E'' literal with every backslash and
 * quote doubled reads back exactly as written whatever standard_conforming_strings says, and JSON
 * text holds no NUL or other control character (JSON.stringify escapes them), so nothing a tenant
 * sends can end the literal or the query early. Every character beyond ASCII is written as a JSON
 * \u escape, so the literal is pure ASCII: what the server reads does not depend on the
 * connection's client_encoding (in a multi-byte encoding such as SJIS, a byte of a tenant's
 * character could otherwise swallow the backslash or quote that follows it).
 */
export function jsonLiteral(value: unknown): string {
  const text: unknown = JSON.stringify(value);
  if (typeof text !== 'string') throw new TypeError('jsonLiteral needs a JSON value');
  const ascii = text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `E'${ascii.replace(/\\/g, '\\\\').replace(/'/g, "''")}'::jsonb`;
}
