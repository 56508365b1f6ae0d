// "Did you mean": the allowed name closest to a misspelled one, by edit
// distance (leven; two letters swapped count as one edit, as people make
// them), if it is close enough to be the one meant: one edit in a word of up
// to 4 letters, two in a longer one (so "nvme" does not suggest "none", nor
// "x" "pi"). Case is ignored ("Bounce" is bounce), as the pickers ignore it.
import leven from "leven";

/** The candidate `value` most likely meant, or undefined when none is close. */
export function closest(value: string, candidates: Iterable<string>): string | undefined {
  const v = value.trim().toLowerCase();
  if (!v) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(v, c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  const limit = v.length <= 4 ? 1 : 2;
  return best !== undefined && bestDistance > 0 && bestDistance <= limit ? best : undefined;
}

/** " (did you mean 'wp-cow'?)", or "" when nothing is close. */
export function didYouMean(value: string, candidates: Iterable<string>, quote = "'"): string {
  const c = closest(value, candidates);
  return c === undefined ? "" : ` (did you mean ${quote}${c}${quote}?)`;
}

/** Edit distance, with one swap of two neighbouring letters ("jsno", "json") one edit. */
function distance(a: string, b: string): number {
  if (a.length === b.length) {
    const diff = [...a].flatMap((ch, i) => (ch === b[i] ? [] : [i]));
    if (diff.length === 2 && diff[1] === diff[0] + 1 && a[diff[0]] === b[diff[1]] && a[diff[1]] === b[diff[0]]) return 1;
  }
  return leven(a, b, { maxDistance: 3 });
}
