import { Transform } from 'class-transformer';
import { registerDecorator, type ValidationOptions } from 'class-validator';

/**
 * Non-ASCII characters are stored percent-encoded (the host too: URL parsers decode it and apply IDNA), so
 * the template can go out as it is in a Location header or a postback, where raw UTF-8 is not allowed.
 */
function asciiTemplate(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return value.replace(/[^\x00-\x7f]+/g, encodeURIComponent);
  } catch {
    return value; // a lone surrogate (URIError): left for the validator to refuse
  }
}

/**
 * A URL that may hold `{macro}` placeholders: valid once every placeholder is filled, with one of the
 * allowed protocols, without whitespace or control characters, and at most 2048 characters.
 */
export function IsUrlTemplate(protocols: string[], options?: ValidationOptions) {
  return (target: object, propertyName: string) => {
    Transform(({ value }) => asciiTemplate(value))(target, propertyName);
    registerDecorator({
      name: 'isUrlTemplate',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be an absolute ${protocols.join(' or ')} URL`, ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string' || value.length > 2048) return false;
          // The URL parser silently drops tabs and newlines and trims spaces, so it would check another URL than
          // the one stored and later sent. Non-ASCII left here means a lone surrogate.
          if (/[^\x21-\x7e]/.test(value)) return false;
          try {
            const url = new URL(value.replace(/\{[a-z_]+\}/g, 'x'));
            return protocols.includes(url.protocol.replace(/:$/, '')) && (url.hostname !== '' || !url.protocol.startsWith('http'));
          } catch {
            return false;
          }
        },
      },
    });
  };
}
