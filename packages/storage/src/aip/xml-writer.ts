/**
 * Writes the XML documents Bevara makes itself (the AIP METS, PREMIS) line by line into one string: for ten
 * thousand files a general object-to-XML builder spends most of its time walking the object tree it was given.
 * The output is indented by two spaces per level, an element without content is written `<name/>`, and the five
 * XML special characters are escaped in text and attribute values alike.
 */

/** Attribute name and value pairs, in the order they are written. */
export type XmlAttributes = ReadonlyArray<readonly [string, string | number]>;

export class XmlWriter {
  readonly #parts: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  #indent = '';

  /** A start tag; the element's content follows until close(). */
  open(name: string, attributes: XmlAttributes = []): this {
    this.#parts.push(`${this.#indent}<${name}${attributeText(attributes)}>\n`);
    this.#indent += '  ';
    return this;
  }

  close(name: string): this {
    this.#indent = this.#indent.slice(2);
    this.#parts.push(`${this.#indent}</${name}>\n`);
    return this;
  }

  /** An element without content. */
  empty(name: string, attributes: XmlAttributes = []): this {
    this.#parts.push(`${this.#indent}<${name}${attributeText(attributes)}/>\n`);
    return this;
  }

  /** An element holding only text (written as an empty element when the text is empty). */
  text(name: string, value: string | number, attributes: XmlAttributes = []): this {
    const text = escapeXml(String(value));
    if (text === '') return this.empty(name, attributes);
    this.#parts.push(`${this.#indent}<${name}${attributeText(attributes)}>${text}</${name}>\n`);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.#parts.join(''), 'utf8');
  }
}

/**
 * What the parser Bevara reads its own XML with (fast-xml-parser, as parseAipMets and readPremisEvents set it up)
 * gives back for a text or attribute value written here: line ends as \n (XML 1.0 §2.11), everything else as
 * written. The catalog indexes a version it has just written from this view of the values, so that the rows are
 * those a rebuild reads from storage (catalog/index-aip.ts).
 */
export function valueAsRead(value: string): string {
  return LINE_END.test(value) ? value.replace(LINE_ENDS, '\n') : value;
}

const LINE_END = /\r/;
const LINE_ENDS = /\r\n?/g;
const SPECIAL = /[&<>'"]/;
const SPECIALS = /[&<>'"]/g;
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;' };

/** `value` with & < > ' " written as entities. */
export function escapeXml(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ENTITIES[c]!) : value;
}

function attributeText(attributes: XmlAttributes): string {
  let out = '';
  for (const [name, value] of attributes) out += ` ${name}="${escapeXml(String(value))}"`;
  return out;
}
