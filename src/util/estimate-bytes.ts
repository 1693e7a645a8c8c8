/** What V8 spends on an object or array besides its slots (header, map pointer, backing store). */
const OBJECT_BYTES = 32;
/** One property or element slot (a tagged pointer), plus room for the map's bookkeeping. */
const SLOT_BYTES = 16;
/** A string's header; its characters cost 2 bytes each (UTF-16, the worst case). */
const STRING_BYTES = 16;

/**
 * A conservative estimate of the memory plain data takes (what `JSON.parse` gives, plus
 * `Date`s): 2 bytes per string character plus a header, a slot per property or element,
 * its key counted as a string, 16 bytes per number. For bounding caches in bytes, so it
 * errs on the large side and costs one walk over the value (no recursion, so deep data
 * cannot overflow the stack). Shared references are counted each time they are reached.
 *
 * @example
 * estimateBytes({ sub: 'u1', roles: ['admin'] }); // 206
 */
export function estimateBytes(value: unknown): number {
  let bytes = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      bytes += STRING_BYTES + 2 * item.length;
    } else if (item === null || typeof item !== 'object') {
      bytes += SLOT_BYTES;
    } else if (item instanceof Date) {
      bytes += OBJECT_BYTES + SLOT_BYTES;
    } else if (Array.isArray(item)) {
      bytes += OBJECT_BYTES + SLOT_BYTES * item.length;
      for (const element of item) if (walked(element)) pending.push(element);
    } else {
      bytes += OBJECT_BYTES;
      for (const [key, property] of Object.entries(item)) {
        bytes += SLOT_BYTES + STRING_BYTES + 2 * key.length;
        if (walked(property)) pending.push(property);
      }
    }
  }
  return bytes;
}

/** Strings and objects cost more than the slot that holds them; other values are the slot. */
function walked(value: unknown): boolean {
  return typeof value === 'string' || (typeof value === 'object' && value !== null);
}
