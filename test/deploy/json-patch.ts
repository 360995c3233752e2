/**
 * RFC 6902 add/replace/remove over plain data, the subset Copilot's YAML patch overrides support,
 * with RFC 6901 pointers. Errors name the pointer that could not be followed, as Copilot's do.
 */
export interface PatchOperation {
  op: "add" | "replace" | "remove";
  path: string;
  value?: unknown;
}

type Container = Record<string, unknown> | unknown[];

function tokens(pointer: string): string[] {
  if (!pointer.startsWith("/")) throw new Error(`path ${pointer} must start with "/"`);
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function child(node: unknown, token: string, pointer: string): unknown {
  if (Array.isArray(node) && /^\d+$/.test(token) && Number(token) < node.length) return node[Number(token)];
  if (!Array.isArray(node) && typeof node === "object" && node !== null && token in node) {
    return (node as Record<string, unknown>)[token];
  }
  throw new Error(`${pointer}: "${token}" does not exist`);
}

/** Applies the operations in order to a deep copy of `document` and returns the copy. */
export function applyPatch(document: unknown, operations: PatchOperation[]): unknown {
  const result = structuredClone(document);
  for (const { op, path, value } of operations) {
    const parts = tokens(path);
    const last = parts.pop() as string;
    const parent = parts.reduce((node, token) => child(node, token, path), result) as Container;
    if (typeof parent !== "object" || parent === null) throw new Error(`${path}: parent is not a container`);
    if (Array.isArray(parent)) {
      const index = last === "-" && op === "add" ? parent.length : Number(last);
      if (
        !Number.isInteger(index) ||
        index < 0 ||
        index > parent.length ||
        (op !== "add" && index === parent.length)
      ) {
        throw new Error(`${path}: "${last}" is not a valid index`);
      }
      if (op === "add") parent.splice(index, 0, value);
      else if (op === "replace") parent[index] = value;
      else parent.splice(index, 1);
    } else {
      if (op !== "add" && !(last in parent)) throw new Error(`${path}: "${last}" does not exist`);
      if (op === "remove") delete parent[last];
      else parent[last] = value;
    }
  }
  return result;
}
