/** Build facts injected by `bun build --define` (see scripts/build.ts); "dev" when run from source. */
declare const BUILD_GIT_SHA: string | undefined;

export interface BuildInfo {
  gitSha: string;
}

export function buildInfo(): BuildInfo {
  const injected = typeof BUILD_GIT_SHA === "string" ? BUILD_GIT_SHA : undefined;
  return { gitSha: injected ?? process.env.GIT_SHA ?? "dev" };
}
