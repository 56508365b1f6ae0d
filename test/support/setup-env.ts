// Every test file's environment (vitest setupFiles): nothing a test runs
// touches the user's cache (XDG_CACHE_HOME is a directory of this file's own,
// removed after it), and the commands that project costs use the built-in
// profile unless a test says otherwise ($STABLE_DIO_PROFILE=builtin), so no
// test measures this machine by accident and the projected figures tests
// compare are the same on every machine. test/profile-default.test.ts
// unsets it to test the default: this machine's profile, measured once and cached.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const cache = mkdtempSync(join(tmpdir(), "stable-dio-cache-"));
process.env.XDG_CACHE_HOME = cache;
process.env.STABLE_DIO_PROFILE = "builtin";
afterAll(() => rmSync(cache, { recursive: true, force: true }));
