/**
 * The Debian packages the test suite runs for real: PostgreSQL (the cloud database), nginx (the load
 * balancer stand-in), wrk (the benchmark's load generator) and jq (the workflows' release plan step
 * checks its JSON with it, as on GitHub's runners; test/release/workflow-steps.test.ts runs that step). `npm test` installs any that are
 * missing when it runs as root on Debian, so a fresh machine needs nothing beyond Node and npm.
 */
export const TEST_PACKAGES = ["postgresql", "nginx", "wrk", "jq"] as const;

function installed(pkg: string): boolean {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not JavaScript.
  const query = Bun.spawnSync(["dpkg-query", "-W", "-f=${Status}", pkg], {
    stdout: "pipe",
    stderr: "ignore",
  });
  return query.exitCode === 0 && query.stdout.toString().includes("install ok installed");
}

/** Installs what is missing; returns the packages still missing (with the reason printed). */
export function ensureTestPackages(): string[] {
  if (!Bun.which("dpkg-query")) {
    console.error(
      `Not a Debian system: install ${TEST_PACKAGES.join(", ")} yourself for the PostgreSQL, proxy and bench tests.`,
    );
    return [...TEST_PACKAGES];
  }
  const missing = TEST_PACKAGES.filter((pkg) => !installed(pkg));
  if (missing.length === 0) return [];
  if (process.getuid?.() !== 0) {
    console.error(`Missing Debian packages for the tests: sudo apt-get install -y ${missing.join(" ")}`);
    return missing;
  }
  console.error(`Installing Debian packages for the tests: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = Bun.spawnSync(["apt-get", "update", "-qq"], { env, stdout: "ignore", stderr: "inherit" });
  const install = Bun.spawnSync(["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...missing], {
    env,
    stdout: "ignore",
    stderr: "inherit",
  });
  if (update.exitCode !== 0 || install.exitCode !== 0) {
    console.error("apt-get failed; see above.");
    return missing.filter((pkg) => !installed(pkg));
  }
  return [];
}

if (import.meta.main) process.exit(ensureTestPackages().length === 0 ? 0 : 1);
