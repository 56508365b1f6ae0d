// Model-based tests (fast-check fc.commands / fc.modelRun) of the write-protect
// policies: wp-cow, wp-cow-degrade and wp-wait at start-up, with the policy
// and STABLE flipped at run time. Each case runs a command sequence on the
// Wasm core (debug build: every invariant after every call) and the reference
// model, checks both after every command, then drains, scrubs and exits all.
// test/support/mbt/ holds the commands and checks; test/support/fcenv.ts the
// FC_RUNS / FC_SEED / FC_PATH / FC_REPLAY variables.
import { Policy } from "../assembly/abi.js";
import { modelBasedTest } from "./support/mbt/run.js";

modelBasedTest("test/model-based.wp.test.ts", "write-protect policies", [Policy.WP_COW, Policy.WP_COW_DEGRADE, Policy.WP_WAIT], 5000, 0x5d10_0001);
