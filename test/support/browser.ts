// Headless Chromium for the report tests, driven by playwright-core: the
// Chromium that `npm ci` installs (@sparticuz/chromium, a devDependency pinned
// in package-lock, ships it brotli-compressed with the NSS libraries it links;
// nothing is downloaded), or CHROMIUM=path for another. A fresh profile per
// launch, no network services.
//
// The package's own executablePath() unpacks into /tmp/chromium and reuses
// whatever it finds there (another version, or half a file that a parallel
// worker is still writing). This module unpacks it once per installed version
// into node_modules, which `npm ci` deletes with everything else:
//
//   node_modules/.cache/stable-dio-chromium/
//     143.0.4/              complete: a worker only ever sees it whole
//       chromium            the binary (~200 MB)
//       lib/                libnss3 & co., first on Chromium's LD_LIBRARY_PATH
//     143.0.4.<pid>-<thread>.tmp/
//                           a worker's unpacking, renamed to 143.0.4/ when done
//                           (atomic); the loser of a race deletes its own
import { execFileSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { threadId } from "node:worker_threads";
import { brotliDecompressSync, createBrotliDecompress } from "node:zlib";
import { chromium, type BrowserContext } from "playwright-core";

const PACKAGE = "@sparticuz/chromium";

// As root on a closed network: no sandbox, and none of the background services that dial out at start.
const ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

interface Executable {
  path: string;
  env?: NodeJS.ProcessEnv;
}

/** The installed package's directory, found as Node finds a package (its exports hide package.json and bin/). */
function packageDir(): string {
  const dirs = createRequire(import.meta.url).resolve.paths(PACKAGE) ?? [];
  const found = dirs.map((d) => join(d, PACKAGE)).find((d) => existsSync(join(d, "package.json")));
  if (found === undefined)
    throw new Error(`${PACKAGE} is not installed: the report's browser test needs it (npm ci installs it; ` +
      "or set CHROMIUM to a Chromium's path)");
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Deletes other versions and the half-unpacked copies of workers that died. */
function sweep(cache: string, version: string): void {
  for (const name of readdirSync(cache)) {
    const tmp = /^(.+)\.(\d+)-\d+\.tmp$/.exec(name);
    if (tmp ? tmp[1] !== version || !alive(Number(tmp[2])) : name !== version)
      rmSync(join(cache, name), { recursive: true, force: true });
  }
}

async function unpack(pkg: string, cache: string, version: string): Promise<void> {
  mkdirSync(cache, { recursive: true });
  sweep(cache, version);
  const tmp = join(cache, `${version}.${process.pid}-${threadId}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    await pipeline(createReadStream(join(pkg, "bin", "chromium.br")), createBrotliDecompress(),
      createWriteStream(join(tmp, "chromium"), { mode: 0o755 }));
    // The libraries' tar is a megabyte; the system's tar unpacks it.
    execFileSync("tar", ["-x", "-C", tmp], { input: brotliDecompressSync(readFileSync(join(pkg, "bin", "al2023.tar.br"))) });
    try {
      renameSync(tmp, join(cache, version));
    } catch (e) {
      // Another worker's copy landed first: same bytes, keep that one.
      if (!existsSync(join(cache, version, "chromium"))) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The installed package's Chromium, unpacked on first use. */
async function bundled(): Promise<Executable> {
  const pkg = packageDir();
  const { version } = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as { version: string };
  const cache = join(pkg, "..", "..", ".cache", "stable-dio-chromium"); // node_modules/.cache
  const dir = join(cache, version);
  if (!existsSync(join(dir, "chromium"))) await unpack(pkg, cache, version);
  const libs = [join(dir, "lib"), process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  return { path: join(dir, "chromium"), env: { ...process.env, LD_LIBRARY_PATH: libs } };
}

async function executable(): Promise<Executable> {
  const own = process.env.CHROMIUM;
  if (own === undefined) return bundled();
  if (!existsSync(own)) throw new Error(`CHROMIUM=${own}: no such file (unset CHROMIUM to use the Chromium that npm ci installs)`);
  return { path: own };
}

export async function launchChromium(): Promise<Browser> {
  const exe = await executable();
  const profile = mkdtempSync(join(tmpdir(), "stable-dio-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: exe.path, env: exe.env, headless: true, args: ARGS, viewport: { width: 1400, height: 1000 },
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
