/**
 * The byte-level scan behind the safe pre-parse (safe.ts). It follows just enough of XML's syntax to know where
 * markup is: start and end tags (with quoted attribute values, where '>' is text), comments, CDATA sections and
 * processing instructions. In that markup it refuses a DOCTYPE, and with it every DTD and entity declaration, and
 * any other '<!' declaration, and it counts element nesting. It judges nothing else: well-formedness is left to
 * the DOM parse that follows, which sees only documents this scan let through. A full SAX parse did the same job
 * at several times the cost, most of it decoding text the scan can step over.
 *
 * Works on the bytes of any ASCII-compatible encoding (UTF-8, ISO-8859-*): markup characters are ASCII and never
 * occur inside a multi-byte UTF-8 sequence. safe.ts refuses UTF-16 and UTF-32 before the scan.
 */
import { IngestError } from '../errors.ts';

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const DASH = 0x2d;
const RSQB = 0x5d; // ]
const LF = 0x0a;

const enum State {
  Text,
  /** After '<'. */
  Open,
  StartTag,
  /** Inside an attribute value of a start tag; `quote` says which quote ends it. */
  AttributeValue,
  EndTag,
  /** After '<!': collecting the bytes that say what the declaration is. */
  Declaration,
  Comment,
  CData,
  Instruction,
}

const COMMENT_OPEN = Buffer.from('--');
const CDATA_OPEN = Buffer.from('[CDATA[');
const DOCTYPE = Buffer.from('DOCTYPE');
/** Enough bytes after '<!' to tell the declarations apart. */
const DECLARATION_PREFIX = Math.max(COMMENT_OPEN.length, CDATA_OPEN.length, DOCTYPE.length);

export class MarkupScanner {
  private state = State.Text;
  private depth = 0;
  private quote = 0;
  /** Bytes read before the current chunk, to give an error's offset in the document. */
  private consumed = 0;
  /** In a start tag: was the last byte outside attribute values a '/' (an empty-element tag, if '>' follows)? */
  private slash = false;
  /** The last two bytes seen in a comment, CDATA section or processing instruction, to find its end across chunks. */
  private prev1 = -1;
  private prev2 = -1;
  private declaration: number[] = [];

  /**
   * @param name the document's name for error details
   * @param maxDepth deepest element nesting accepted
   * @param lineAt the line (1-based) of a byte offset, worked out only when an error needs it
   */
  constructor(
    private readonly name: string,
    private readonly maxDepth: number,
    private readonly lineAt: (offset: number) => number,
  ) {}

  write(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case State.Text: {
          const lt = chunk.indexOf(LT, i);
          if (lt < 0) { i = n; break; }
          this.state = State.Open;
          i = lt + 1;
          break;
        }
        case State.Open: {
          const b = chunk[i]!;
          if (b === SLASH) { this.state = State.EndTag; i++; }
          else if (b === QUESTION) { this.enterSection(State.Instruction); i++; }
          else if (b === BANG) { this.state = State.Declaration; this.declaration = []; i++; }
          else {
            // Anything else starts an element; whether it is a valid name is the DOM parse's to judge.
            if (++this.depth > this.maxDepth) {
              throw new IngestError('I-010', 'XML nesting exceeds the depth limit', { file: this.name, limit: this.maxDepth });
            }
            this.state = State.StartTag;
            this.slash = false;
          }
          break;
        }
        case State.StartTag: {
          for (; i < n; i++) {
            const b = chunk[i]!;
            if (b === GT) {
              if (this.slash) this.depth--;
              this.state = State.Text;
              i++;
              break;
            }
            if (b === DQUOTE || b === SQUOTE) {
              this.quote = b;
              this.state = State.AttributeValue;
              i++;
              break;
            }
            this.slash = b === SLASH;
          }
          break;
        }
        case State.AttributeValue: {
          const end = chunk.indexOf(this.quote, i);
          if (end < 0) { i = n; break; }
          this.state = State.StartTag;
          this.slash = false;
          i = end + 1;
          break;
        }
        case State.EndTag: {
          const gt = chunk.indexOf(GT, i);
          if (gt < 0) { i = n; break; }
          this.depth--;
          this.state = State.Text;
          i = gt + 1;
          break;
        }
        case State.Declaration:
          i = this.readDeclaration(chunk, i);
          break;
        case State.Comment:
          i = this.findEnd(chunk, i, DASH, DASH);
          break;
        case State.CData:
          i = this.findEnd(chunk, i, RSQB, RSQB);
          break;
        case State.Instruction:
          i = this.findEnd(chunk, i, QUESTION, -1);
          break;
      }
    }
    this.consumed += n;
  }

  private enterSection(state: State.Comment | State.CData | State.Instruction): void {
    this.state = state;
    this.prev1 = -1;
    this.prev2 = -1;
  }

  /**
   * Skips to the '>' that ends a comment ('-->'), CDATA section (']]>') or processing instruction ('?>'), given the
   * one or two bytes that must precede it (second -1 when one). Returns the offset after it, or the chunk's length.
   */
  private findEnd(chunk: Buffer, from: number, first: number, second: number): number {
    let i = from;
    for (;;) {
      const gt = chunk.indexOf(GT, i);
      if (gt < 0) {
        this.remember(chunk, from);
        return chunk.length;
      }
      const p1 = gt - 1 >= from ? chunk[gt - 1]! : this.prev1;
      const p2 = gt - 2 >= from ? chunk[gt - 2]! : gt - 1 >= from ? this.prev1 : this.prev2;
      if (second === -1 ? p1 === first : p1 === first && p2 === second) {
        this.state = State.Text;
        return gt + 1;
      }
      i = gt + 1;
      if (i >= chunk.length) {
        this.remember(chunk, from);
        return chunk.length;
      }
    }
  }

  /**
   * Keeps the section's last two bytes at the end of the chunk, for a terminator split across chunks. Only bytes
   * from `from` on belong to the section (before it lies its opening, e.g. the dashes of '<!--').
   */
  private remember(chunk: Buffer, from: number): void {
    const end = chunk.length;
    if (end - from >= 2) { this.prev2 = chunk[end - 2]!; this.prev1 = chunk[end - 1]!; }
    else if (end - from === 1) { this.prev2 = this.prev1; this.prev1 = chunk[end - 1]!; }
  }

  private readDeclaration(chunk: Buffer, from: number): number {
    let i = from;
    while (i < chunk.length && this.declaration.length < DECLARATION_PREFIX) {
      this.declaration.push(chunk[i]!);
      i++;
      const seen = Buffer.from(this.declaration);
      if (startsWith(seen, COMMENT_OPEN)) { this.enterSection(State.Comment); return i; }
      if (startsWith(seen, CDATA_OPEN)) { this.enterSection(State.CData); return i; }
      const start = this.consumed + i - seen.length - 2;
      if (startsWith(seen, DOCTYPE)) {
        throw new IngestError('I-009', 'XML declares a DOCTYPE; DTDs and entities are refused', { file: this.name, line: this.lineAt(start) });
      }
      if (!isPrefixOfAny(seen)) {
        throw new IngestError('I-011', 'XML is not well-formed: a markup declaration outside a DTD', { file: this.name, line: this.lineAt(start) });
      }
    }
    return i;
  }
}

function startsWith(seen: Buffer, word: Buffer): boolean {
  return seen.length >= word.length && seen.subarray(0, word.length).equals(word);
}

/** Could the bytes after '<!' still become a comment, a CDATA section or a DOCTYPE? */
function isPrefixOfAny(seen: Buffer): boolean {
  return [COMMENT_OPEN, CDATA_OPEN, DOCTYPE].some((w) => seen.length <= w.length && w.subarray(0, seen.length).equals(seen));
}

/** The line (1-based) of a byte offset in a document kept as chunks. */
export function lineOf(chunks: readonly Buffer[], offset: number): number {
  let line = 1;
  let pos = 0;
  for (const c of chunks) {
    if (pos >= offset) break;
    const part = c.subarray(0, Math.min(c.length, offset - pos));
    for (let i = part.indexOf(LF); i >= 0; i = part.indexOf(LF, i + 1)) line++;
    pos += c.length;
  }
  return line;
}
