// "Did you mean": the allowed name closest to a misspelled one, by edit
// distance (leven), if it is close enough to be the one meant: at most 2 edits,
// and at most half the word (so "x" does not suggest "pi"). Case is ignored
// ("Bounce" is bounce), as the pickers ignore it.
import leven from "leven";

/** The candidate `value` most likely meant, or undefined when none is close. */
export function closest(value: string, candidates: Iterable<string>): string | undefined {
  const v = value.trim().toLowerCase();
  if (!v) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = leven(v, c.toLowerCase(), { maxDistance: 3 });
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  const limit = Math.min(2, Math.floor(v.length / 2));
  return best !== undefined && bestDistance > 0 && bestDistance <= limit ? best : undefined;
}

/** " (did you mean 'wp-cow'?)", or "" when nothing is close. */
export function didYouMean(value: string, candidates: Iterable<string>, quote = "'"): string {
  const c = closest(value, candidates);
  return c === undefined ? "" : ` (did you mean ${quote}${c}${quote}?)`;
}
