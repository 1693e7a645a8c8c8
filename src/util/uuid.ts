const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True for a UUID's text form: what the ids of devices and app tokens look like. An id
 * argument that is not one names nothing (and is never sent to the database).
 *
 * @example isUuid('0b6f6c1e-8a7d-4a43-9d55-2b1f3f3b9c11') // true
 */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}
