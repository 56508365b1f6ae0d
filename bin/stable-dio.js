#!/usr/bin/env node
// The installed command: runs the compiled CLI (npm's prepare step builds dist/ and build/).
import { main } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
