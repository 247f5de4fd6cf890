/**
 * FHIR JSON -> FHIR XML, for tests only: a plain writer that needs no definitions, so that every
 * JSON test case can be read back through the XML converter and compared with itself. It knows
 * just what the JSON makes visible: resources carry `resourceType`, `div` is XHTML text, `id` of
 * an element and `url` of an extension are attributes, `_name` holds a primitive's id and
 * extensions. https://hl7.org/fhir/R4/xml.html
 */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export function jsonToFhirXml(resource: JsonObject): string {
  const out: string[] = [];
  writeResource(resource, out, ' xmlns="http://hl7.org/fhir"');
  return out.join('');
}

function writeResource(r: JsonObject, out: string[], ns = ''): void {
  const type = String(r.resourceType);
  out.push(`<${type}${ns}>`);
  writeProperties(r, new Set(['resourceType']), out);
  out.push(`</${type}>`);
}

/** Properties in order, `name` and `_name` together. */
function writeProperties(o: JsonObject, skip: ReadonlySet<string>, out: string[]): void {
  const names = [
    ...new Set(
      Object.keys(o)
        .filter((k) => !skip.has(k))
        .map((k) => k.replace(/^_/, '')),
    ),
  ];
  for (const name of names) {
    const value = o[name];
    const extra = o[`_${name}`];
    if (Array.isArray(value) || Array.isArray(extra)) {
      const values = Array.isArray(value) ? value : [];
      const extras = Array.isArray(extra) ? extra : [];
      for (let i = 0; i < Math.max(values.length, extras.length); i++)
        writeItem(name, values[i], extras[i], out);
    } else {
      writeItem(name, value, extra, out);
    }
  }
}

function writeItem(name: string, value: Json | undefined, extra: Json | undefined, out: string[]): void {
  if (name === 'div' && typeof value === 'string') {
    out.push(value);
  } else if (isObject(value) && typeof value.resourceType === 'string') {
    out.push(`<${name}>`);
    writeResource(value, out);
    out.push(`</${name}>`);
  } else if (isObject(value)) {
    writeComplex(name, value, out);
  } else {
    writePrimitive(name, value, isObject(extra) ? extra : {}, out);
  }
}

function writeComplex(name: string, value: JsonObject, out: string[]): void {
  const attributes = ['id', ...(name === 'extension' || name === 'modifierExtension' ? ['url'] : [])].filter(
    (a) => typeof value[a] === 'string',
  );
  out.push(`<${name}${attributes.map((a) => ` ${a}="${escape(String(value[a]))}"`).join('')}>`);
  writeProperties(value, new Set(attributes), out);
  out.push(`</${name}>`);
}

function writePrimitive(name: string, value: Json | undefined, extra: JsonObject, out: string[]): void {
  const id = typeof extra.id === 'string' ? ` id="${escape(extra.id)}"` : '';
  const v = value === null || value === undefined ? '' : ` value="${escape(String(value))}"`;
  const rest = Object.keys(extra).filter((k) => k !== 'id');
  if (rest.length === 0) {
    out.push(`<${name}${id}${v}/>`);
    return;
  }
  out.push(`<${name}${id}${v}>`);
  writeProperties(extra, new Set(['id']), out);
  out.push(`</${name}>`);
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function escape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
