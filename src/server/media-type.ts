/**
 * The essence (`type/subtype`, lower case) of a `Content-Type` header, by the WHATWG MIME
 * Sniffing Standard's "parse a MIME type" (§4.4), which is what Apollo Server's CSRF check
 * and GET rule use (the `whatwg-mimetype` package): leading and trailing HTTP whitespace is
 * dropped; the type runs to the first `/`, the subtype to the first `;` (trailing whitespace
 * dropped); both must be non-empty HTTP tokens. Parameters are not needed for the essence and
 * are not read. Null when the header does not parse: such a body is not JSON to Gatehouse,
 * and Apollo then refuses it ("invalid Content-Type"), so both read the header the same way
 * and CSRF prevention cannot be stepped around with a type only one of them understands.
 *
 * @example
 * mediaTypeEssence('Application/JSON; charset=utf-8'); // 'application/json'
 * mediaTypeEssence('application/json,');               // null (',' is not a token character)
 * mediaTypeEssence('/application/json');               // null (empty type)
 */
export function mediaTypeEssence(header: string | undefined): string | null {
  if (header === undefined) return null;
  const text = header.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  const slash = text.indexOf('/');
  if (slash <= 0) return null;
  const type = text.slice(0, slash);
  const semicolon = text.indexOf(';', slash + 1);
  const subtype = text.slice(slash + 1, semicolon === -1 ? undefined : semicolon).replace(/[\t\n\r ]+$/, '');
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return null;
  return `${type}/${subtype}`.toLowerCase();
}

/** One or more HTTP token code points (RFC 9110 §5.6.2 `tchar`), as the WHATWG standard defines them. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** True when a request body with this `Content-Type` is JSON: the essence is exactly `application/json`. */
export function isJsonMediaType(header: string | undefined): boolean {
  return mediaTypeEssence(header) === 'application/json';
}
