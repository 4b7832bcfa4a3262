/**
 * Folds a DKIM-Signature header into lines of at most 78 characters
 * (RFC 5322 §2.1.1), breaking only where RFC 6376 allows FWS: between tags,
 * after the colons of h= and inside base64 values (§3.2, §3.5).
 */

const MAX_LINE = 78;

/** Builds folded header text piece by piece; a break replaces the piece's glue with CRLF SP. */
export class HeaderFolder {
  private text = '';
  private column = 0;

  /**
   * Appends `piece` after `glue` (' ' between tags, '' inside a value),
   * starting a new line first when it would not fit. `reserve` keeps room for
   * characters that must follow on the same line.
   */
  add(piece: string, glue: '' | ' ' = '', reserve = 0): this {
    if (this.column > 0 && this.column + glue.length + piece.length + reserve > MAX_LINE) {
      this.text += '\r\n ';
      this.column = 1;
    } else {
      this.text += glue;
      this.column += glue.length;
    }
    this.text += piece;
    this.column += piece.length;
    return this;
  }

  /** Appends a value that may break between any two characters (base64). */
  addBreakable(value: string): this {
    for (const ch of value) this.add(ch);
    return this;
  }

  /** The header text so far, without a final CRLF. */
  toString(): string {
    return this.text;
  }
}
