/**
 * The values the SQLite connections with cached statements (sqlite-reads.ts, sqlite-writes.ts) bind
 * themselves: plain values, and `sql(list)` for `IN ${sql(ids)}`, which stands for one `?` per item.
 * Anything else goes to Bun's client (reads) or is refused (writes).
 */

export type Plain = string | number | bigint | boolean | null;

export function isPlain(value: unknown): value is Plain {
  const type = typeof value;
  return value === null || type === "string" || type === "number" || type === "bigint" || type === "boolean";
}

export function isTemplate(value: unknown): value is TemplateStringsArray {
  return Array.isArray(value) && Object.hasOwn(value, "raw");
}

/** What `sql(list)` returns on these connections: a non-empty list of plain values. */
export class SqlList {
  constructor(readonly items: readonly Plain[]) {}
}

/** `sql(first)` as these connections take it: a list of plain values, or undefined for anything else. */
export function asSqlList(first: unknown, rest: readonly unknown[]): SqlList | undefined {
  if (!Array.isArray(first) || isTemplate(first) || rest.length > 0 || first.length === 0) return undefined;
  return first.every(isPlain) ? new SqlList(first) : undefined;
}

/**
 * The text of a template holding lists, with `(?, ?, …)` in place of each list, and its values
 * flattened in order. Its statement is cached per text: the number of items changes the text.
 */
export function expandLists(
  strings: TemplateStringsArray,
  values: readonly (Plain | SqlList)[],
): { text: string; flat: Plain[] } {
  const flat: Plain[] = [];
  let text = strings[0] ?? "";
  values.forEach((value, index) => {
    if (value instanceof SqlList) {
      text += `(${value.items.map(() => "?").join(", ")})`;
      flat.push(...value.items);
    } else {
      text += "?";
      flat.push(value);
    }
    text += strings[index + 1] ?? "";
  });
  return { text, flat };
}
