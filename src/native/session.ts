// One `stable-dio native` invocation's resources: the compiled program, the
// loop device and its backing file, the running child. Whatever happens
// (success, an error, SIGINT or SIGTERM), close() releases them in reverse
// order, each step on its own (one failing does not keep the others).
import { type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

/** Something the native run needs and this machine lacks: one line, exit code 2. */
export class NativeMissing extends Error {
  constructor(readonly what: string) {
    super(`stable-dio native needs ${what}`);
  }
}

export class Session {
  private readonly closers: Array<() => void> = [];
  private child?: ChildProcess;
  private closed = false;
  private stopping = false;
  private readonly onSignal = (sig: NodeJS.Signals): void => void this.interrupted(sig);

  /** Releases on SIGINT and SIGTERM too, then exits 130 / 143. */
  constructor(private readonly err: (text: string) => void = () => {}) {
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
  }

  onClose(fn: () => void): void {
    this.closers.push(fn);
  }

  /** The program now running (killed on a signal before anything else is released). */
  running(child: ChildProcess | undefined): void {
    this.child = child;
  }

  /** A SIGINT or SIGTERM arrived: its handler kills the child, says what happened, releases and exits. */
  get signalled(): boolean {
    return this.stopping;
  }

  removeTree(path: string): void {
    rmSync(path, { recursive: true, force: true });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
    for (const fn of this.closers.reverse()) {
      try {
        fn();
      } catch (e) {
        this.err(`stable-dio: cleanup: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
  }

  private async interrupted(sig: NodeJS.Signals): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      // Its exit waits for its in-flight I/O; its userfaultfd and registrations go with it.
      const gone = new Promise<void>((resolve) => child.once("close", () => resolve()));
      child.kill("SIGKILL");
      await Promise.race([gone, new Promise<void>((resolve) => setTimeout(resolve, 10_000))]);
    }
    this.err(`stable-dio: ${sig}: stopped; released the loop device and temporary files\n`);
    this.close();
    process.exit(sig === "SIGINT" ? 130 : 143);
  }
}
