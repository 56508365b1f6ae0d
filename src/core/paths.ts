// Where the package's files are, whether this code runs from src/ (tests,
// tsx) or from the compiled dist/src/.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/** The directory holding stable-dio's package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "stable-dio") return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error("stable-dio: cannot find the package root above " + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** A file of the package, by its path from the package root. */
export function packageFile(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
