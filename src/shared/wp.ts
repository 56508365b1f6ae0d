// The implementation choices of the write-protect policies (wp-cow,
// wp-cow-degrade, wp-wait; docs/model.md section 12), as `--wp key=value,...`,
// a workload file's "wp", fio's sd_wp_* options and the sd_set keys name them.
// One table: each choice's key, its values and the ABI key it sets.
import { Key, KeyMax, KeyMin, Restore, Walk } from "../../assembly/abi.js";
import { unknown, UsageError } from "./io.js";
import { splitList } from "./select.js";

export type RestoreId = "eager" | "lazy";
export type WalkId = "separate" | "fused";

export interface WpChoices {
  /** eager: completion makes the pages writable again (one shootdown); lazy: the next store's fault does. */
  readonly restore: RestoreId;
  /** The most I/Os of one submission call (and one reap) under one shootdown; 1: each I/O on its own. */
  readonly batch: number;
  /** separate: the write-protect walks the page table on its own; fused: GUP's walk does it as it pins. */
  readonly walk: WalkId;
}

/** Today's write-protect: what every run gets unless told otherwise. */
export const DEFAULT_WP: WpChoices = { restore: "eager", batch: 1, walk: "separate" };

export const RESTORE_IDS: readonly RestoreId[] = ["eager", "lazy"];
export const WALK_IDS: readonly WalkId[] = ["separate", "fused"];
export const WP_KEYS = ["restore", "batch", "walk"] as const;
export type WpKey = (typeof WP_KEYS)[number];

/** One line per choice, for --help and the docs. */
export const WP_HELP: Readonly<Record<WpKey, string>> = {
  restore: "eager (default): completion makes the pages writable again, one shootdown; lazy: they stay read-only and the next store's fault makes each writable (wp_page_reuse)",
  batch: `1 (default) to ${KeyMax.WP_BATCH}: the I/Os of one submission call (and of one reap) share one shootdown; each job submits and reaps in calls of up to this many (its qd permitting)`,
  walk: "separate (default): the write-protect walks the page table on its own; fused: GUP's walk write-protects as it pins",
};

/** The value of choice `key` written as `text`, or what is wrong with it ("bad value 'x' for walk (allowed: ...)"). */
export function wpParse(key: WpKey, text: string): { value: WpChoices[WpKey] } | { problem: string } {
  const v = text.trim().toLowerCase();
  const bad = (allowed: string) => ({ problem: `bad value '${text}' for ${key} (allowed: ${allowed})` });
  if (key === "restore") { const id = RESTORE_IDS.find((x) => x === v); return id ? { value: id } : bad(RESTORE_IDS.join(", ")); }
  if (key === "walk") { const id = WALK_IDS.find((x) => x === v); return id ? { value: id } : bad(WALK_IDS.join(", ")); }
  const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
  return n >= KeyMin.WP_BATCH && n <= KeyMax.WP_BATCH ? { value: n } : bad(`an integer ${KeyMin.WP_BATCH}..${KeyMax.WP_BATCH}`);
}

/** The value of choice `key` written as `text`, checked; `where` names the flag, file or option in the message. */
export function wpValue(key: WpKey, text: string, where: string): WpChoices[WpKey] {
  const r = wpParse(key, text);
  if ("problem" in r) throw new UsageError(`${where}: ${r.problem}`);
  return r.value;
}

/** "restore=lazy,batch=8" -> { restore: "lazy", batch: 8 }; a usage error naming `where` otherwise. */
export function parseWp(text: string, where = "--wp"): Partial<WpChoices> {
  const items = splitList(text, where);
  if (!items.length) throw new UsageError(`${where}: empty (allowed: ${WP_KEYS.map((k) => `${k}=...`).join(", ")})`);
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq < 0) throw new UsageError(`${where}: '${item}' is not key=value (allowed keys: ${WP_KEYS.join(", ")})`);
    const key = item.slice(0, eq).trim().toLowerCase();
    if (!(WP_KEYS as readonly string[]).includes(key)) throw unknown(`${where} key`, item.slice(0, eq).trim(), WP_KEYS);
    if (key in out) throw new UsageError(`${where}: ${key} given twice ('${out[key]}', then '${item.slice(eq + 1).trim()}'): give each of ${WP_KEYS.join(", ")} once`);
    out[key] = wpValue(key as WpKey, item.slice(eq + 1), where);
  }
  return out as Partial<WpChoices>;
}

/** Several partial choices over the defaults, later ones winning key by key. */
export function mergeWp(...layers: ReadonlyArray<Partial<WpChoices> | undefined>): WpChoices {
  return Object.assign({}, DEFAULT_WP, ...layers.filter((l) => l !== undefined)) as WpChoices;
}

/** "restore=lazy,batch=8,walk=fused" (every key), as --wp takes it back. */
export function wpLabel(c: WpChoices): string {
  return WP_KEYS.map((k) => `${k}=${c[k]}`).join(",");
}

/** Only the keys that differ from the default ("" if none): for table notes and file names. */
export function wpChanges(c: WpChoices): string {
  return WP_KEYS.filter((k) => c[k] !== DEFAULT_WP[k]).map((k) => `${k}=${c[k]}`).join(",");
}

export function isDefaultWp(c: WpChoices): boolean {
  return WP_KEYS.every((k) => c[k] === DEFAULT_WP[k]);
}

/** The sd_set keys of the choices, in Key order. */
export function wpKeys(c: WpChoices): Array<[Key, number]> {
  return [
    [Key.WP_RESTORE, c.restore === "lazy" ? Restore.LAZY : Restore.EAGER],
    [Key.WP_BATCH, c.batch],
    [Key.WP_WALK, c.walk === "fused" ? Walk.FUSED : Walk.SEPARATE],
  ];
}

/** The choices a run's configuration (RunResult.config, snake_case keys) records; the defaults for keys it lacks. */
export function wpOfConfig(config: Readonly<Record<string, number>>): WpChoices {
  return {
    restore: config.wp_restore === Restore.LAZY ? "lazy" : "eager",
    batch: config.wp_batch ?? DEFAULT_WP.batch,
    walk: config.wp_walk === Walk.FUSED ? "fused" : "separate",
  };
}
