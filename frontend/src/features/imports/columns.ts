import type { ColumnMapping, ImportPreview } from '../../client';

// The message already has {{phone}} and {{name}} from the recipient itself (src/payam/imports/columns.py).
const RESERVED = new Set(['phone', 'name']);
const MAX_LENGTH = 64;

/** A column's name as a message variable: letters, digits and `_`, not starting with a digit. */
export function variableName(column: string): string | null {
  let name = column.trim().replace(/[^\p{L}\p{N}_]+/gu, '_').replace(/^_+|_+$/g, '');
  if (/^\p{N}/u.test(name)) name = `v_${name}`;
  name = name.slice(0, MAX_LENGTH);
  return name && !RESERVED.has(name.toLowerCase()) ? name : null;
}

/** The columns and data rows as they read with or without a header row (the API's guess aside). */
export function layoutFor(preview: ImportPreview, hasHeader: boolean): { columns: string[]; rows: string[][] } {
  const width = Math.max(preview.columns.length, ...preview.rows.map((row) => row.length));
  const generated = Array.from({ length: width }, (_, index) => `col${index + 1}`);
  const header = preview.header ?? preview.rows[0] ?? [];
  const allRows = preview.has_header && preview.header ? [preview.header, ...preview.rows] : preview.rows;
  if (!hasHeader) return { columns: generated, rows: allRows };
  return { columns: generated.map((name, index) => header[index]?.trim() || name), rows: allRows.slice(1) };
}

/** The mapping to send: every chosen variable column under its variable name. */
export function buildMapping(phone: string, name: string | null, variableColumns: string[], hasHeader: boolean): ColumnMapping {
  const variables: Record<string, string> = {};
  for (const column of variableColumns) {
    const key = variableName(column);
    if (key) variables[key] = column;
  }
  return { phone, name, variables, has_header: hasHeader };
}
