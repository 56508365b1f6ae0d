// Model-based tests (fast-check fc.commands / fc.modelRun) of the policies that
// do not write-protect: direct, bounce, opt-out, opt-out-inverse and verify at
// start-up, with the policy and STABLE flipped at run time (so write-protect
// shows up here too). The commands and checks are in test/support/mbt/;
// FC_RUNS / FC_SEED / FC_PATH / FC_REPLAY in test/support/fcenv.ts.
import { Policy } from "../assembly/abi.js";
import { modelBasedTest } from "./support/mbt/run.js";

modelBasedTest(
  "test/model-based.other.test.ts",
  "direct, bounce, opt-out and verify policies",
  [Policy.BOUNCE, Policy.VERIFY, Policy.OPT_OUT, Policy.OPT_OUT_INVERSE, Policy.DIRECT],
  5000,
  0x5d10_0002,
);
