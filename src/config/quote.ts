/** Longest prefix of a value quoted in an error line (characters). */
export const MAX_QUOTED_CHARS = 40;

/**
 * `text` quoted for an error line: at most `max` characters of it (then `...` after the closing
 * quote), as JSON writes a string, with DEL, the C1 controls and U+FFFD (what undecodable bytes
 * of a binary file become) escaped too, so a line from a binary file is a short, printable
 * excerpt rather than hundreds of raw bytes.
 */
export function quote(text: string, max = MAX_QUOTED_CHARS): string {
  const cut = text.length > max;
  const shown = JSON.stringify(cut ? text.slice(0, max) : text).replace(/[\u007f-\u009f\ufffd]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return cut ? `${shown}...` : shown;
}
