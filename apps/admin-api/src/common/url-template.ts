import { Transform } from 'class-transformer';
import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { describeUrlTemplateProblem, urlTemplateProblem } from '@app/domain';

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

/** Whitespace and control characters: the URL parser silently drops tabs and newlines and trims spaces, so it
 * would check another URL than the one stored and later sent. Non-ASCII left here means a lone surrogate. */
const UNPRINTABLE = /[^\x21-\x7e]/;

function problemOf(value: unknown, protocols: string[], propertyName: string): string | undefined {
  const generic = `${propertyName} must be an absolute ${protocols.join(' or ')} URL`;
  if (typeof value !== 'string' || value.length > 2048 || UNPRINTABLE.test(value)) return generic;
  const problem = urlTemplateProblem(value);
  if (problem?.kind === 'macro_in_origin') return describeUrlTemplateProblem(propertyName, problem);
  if (problem) return generic;
  const url = new URL(value.replace(/\{[a-z_]+\}/g, 'x'));
  if (!protocols.includes(url.protocol.replace(/:$/, ''))) return generic;
  if (url.hostname === '' && url.protocol.startsWith('http')) return generic;
  return undefined;
}

/**
 * A URL that may hold `{macro}` placeholders: valid once every placeholder is filled, with one of the
 * allowed protocols, without whitespace or control characters, at most 2048 characters, and with no
 * placeholder in its scheme, user info, host or port (a macro there would let a value, such as a clicker's
 * `click_id`, choose where the URL leads).
 */
export function IsUrlTemplate(protocols: string[], options?: ValidationOptions) {
  return (target: object, propertyName: string) => {
    Transform(({ value }) => asciiTemplate(value))(target, propertyName);
    registerDecorator({
      name: 'isUrlTemplate',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate(value: unknown) {
          return problemOf(value, protocols, propertyName) === undefined;
        },
        defaultMessage(args?: ValidationArguments) {
          return problemOf(args?.value, protocols, propertyName) ?? `${propertyName} must be an absolute URL`;
        },
      },
    });
  };
}
