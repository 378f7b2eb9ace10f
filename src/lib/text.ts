/** True when `value` holds a C0 control (NUL, newline, tab...), DEL or a C1 control character. */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * True when `value` holds half of a UTF-16 surrogate pair on its own (JSON can carry one, as
 * `"\ud800"`). It has no UTF-8 form: text columns would store U+FFFD instead, jsonb refuses it.
 */
export function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}

// Explicit bidirectional formatting characters (ALM, LRM, RLM, LRE..RLO, LRI..PDI): they
// reorder how the text around them is displayed, so "abc\u202Etxt.exe" reads as "abcexe.txt".
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** True when `value` holds a character that changes the display order of the text around it. */
export function hasBidiControl(value: string): boolean {
  return BIDI_CONTROL.test(value);
}

/** Codepoint order, the same on every machine (localeCompare is not). */
export const byCodepoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
