/**
 * Which imports in the workspace packages' `src/` reach into another package. Packages share code only
 * by package name, through the entry points each exports (`service-kit`, `service-kit/testing`,
 * `reservation-contract`); a relative path that leaves the package is a hidden dependency that the
 * Dockerfile, the bundle and a reader cannot see. Tests inside `src/` may also use the shared helpers
 * in `test/support/`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

export interface CrossImport {
  /** The importing file, relative to the repository root. */
  file: string;
  specifier: string;
  why: string;
}

/** Packages any other package may import by name. */
export const SHARED_PACKAGES: readonly string[] = ["service-kit", "reservation-contract"];

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

function sourceFiles(dir: string): string[] {
  let entries: { name: string; isDirectory(): boolean }[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}${sep}`);
}

/** Every import in `<package>/src/**` of each workspace that reaches another package's files. */
export function crossPackageImports(
  root: string,
  workspaces: readonly string[],
  shared: readonly string[] = SHARED_PACKAGES,
): CrossImport[] {
  const found: CrossImport[] = [];
  for (const workspace of workspaces) {
    const packageDir = resolve(root, workspace);
    for (const file of sourceFiles(join(packageDir, "src"))) {
      const isTest = file.endsWith(".test.ts");
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(IMPORT)) {
        const specifier = match[1] as string;
        const at = { file: relative(root, file), specifier };
        if (specifier.startsWith(".")) {
          const target = resolve(dirname(file), specifier);
          if (isInside(target, packageDir)) continue;
          if (isTest && isInside(target, resolve(root, "test", "support"))) continue;
          found.push({ ...at, why: "a relative path out of the package" });
          continue;
        }
        const name = specifier.split("/")[0] as string;
        if (name === workspace || !workspaces.includes(name)) continue;
        if (!shared.includes(name)) found.push({ ...at, why: `${name} is a service, not a library` });
        else if (/\/(src|test)\//.test(`${specifier}/`))
          found.push({ ...at, why: "a package's files by path" });
      }
    }
  }
  return found;
}

/** The specifiers a shared package may be imported by: its name plus the subpaths its package.json exports. */
export function entryPoints(root: string, name: string): string[] {
  const { exports } = JSON.parse(readFileSync(join(root, name, "package.json"), "utf8")) as {
    exports?: Record<string, string>;
  };
  return Object.keys(exports ?? { ".": "" }).map((key) => (key === "." ? name : `${name}/${key.slice(2)}`));
}

/**
 * Every import, in the given folders (packages, test/, scripts/, bench/, fixtures/), that goes past a
 * shared package's public entry points: a name path it does not export (`service-kit/mcp/tools`) or
 * a relative path into its files from outside it (`../service-kit/src/db.ts`).
 */
export function deepImports(
  root: string,
  folders: readonly string[],
  shared: readonly string[] = SHARED_PACKAGES,
): CrossImport[] {
  const allowed = new Map(shared.map((name) => [name, entryPoints(root, name)]));
  const found: CrossImport[] = [];
  for (const folder of folders) {
    for (const file of sourceFiles(resolve(root, folder))) {
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(IMPORT)) {
        const specifier = match[1] as string;
        const at = { file: relative(root, file), specifier };
        if (specifier.startsWith(".")) {
          const target = resolve(dirname(file), specifier);
          const into = shared.find(
            (name) => isInside(target, resolve(root, name)) && !isInside(file, resolve(root, name)),
          );
          if (into) found.push({ ...at, why: `a path into ${into}'s files; import "${into}" instead` });
          continue;
        }
        const name = specifier.split("/")[0] as string;
        const entries = allowed.get(name);
        if (entries && !entries.includes(specifier)) {
          found.push({ ...at, why: `not an entry point of ${name} (${entries.join(", ")})` });
        }
      }
    }
  }
  return found;
}
