/**
 * Text from a client made safe to store, show and log: what a terminal, a log viewer or a
 * device list would act on instead of print is taken out. Removed: ANSI escape sequences
 * (CSI `ESC [ … final`, OSC `ESC ] … BEL|ESC \`, and any other `ESC x`), the remaining C0
 * and C1 control characters and DEL, the Unicode bidirectional controls (U+061C, U+200E,
 * U+200F, U+202A–U+202E, U+2066–U+2069), and the invisible format characters U+200B–U+200D,
 * U+2060 and U+FEFF. Every run of whitespace (CR, LF, tab, U+2028, U+2029, no-break spaces…)
 * becomes one space, the ends are trimmed, lone surrogates become U+FFFD, and the result is
 * cut to `maxLength` code points (never inside a surrogate pair).
 *
 * @example
 * printable('Pixel\u202e\r\n\x1b[31mowned\x1b[0m   7', 255); // 'Pixel owned 7'
 */
export function printable(text: string, maxLength: number): string {
  // Words of visible ASCII with single spaces between them (a path, most user agents): none
  // of the steps below changes them, so they are answered without running them.
  if (text.length <= maxLength && PLAIN.test(text)) return text;
  const cleaned = text
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(ANSI, '')
    .replace(WHITESPACE, ' ')
    .replace(INVISIBLE, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (cleaned.length <= maxLength) return cleaned;
  // Cut by code points, then trim again in case the cut left a space at the end.
  return Array.from(cleaned).slice(0, maxLength).join('').trimEnd();
}

const PLAIN = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\s\S]?)|\x9b[0-?]*[ -/]*[@-~]?/g;
// Whitespace first, so that CR/LF and tabs become a space rather than vanish and join words.
const WHITESPACE = /[\s\u0085]+/g;
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g;
