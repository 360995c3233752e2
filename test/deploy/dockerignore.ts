/**
 * `.dockerignore` semantics, enough for the checks here: patterns are globs relative to the
 * context root, a pattern that matches a directory excludes everything under it, `!` re-includes,
 * and the last matching line wins (as in Docker's fileutils.PatternMatcher).
 */
import { Glob } from "bun";

interface Rule {
  glob: Glob;
  include: boolean;
}

export function readDockerignore(text: string): Rule[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const include = line.startsWith("!");
      const pattern = (include ? line.slice(1) : line).replace(/^\/+/, "").replace(/\/+$/, "");
      return { glob: new Glob(pattern), include };
    });
}

/** True when `path` (relative, with `/`) is left out of the build context. */
export function isExcluded(rules: Rule[], path: string): boolean {
  const parts = path.split("/");
  const prefixes = parts.map((_, index) => parts.slice(0, index + 1).join("/"));
  let excluded = false;
  for (const rule of rules) {
    if (prefixes.some((prefix) => rule.glob.match(prefix))) excluded = !rule.include;
  }
  return excluded;
}
