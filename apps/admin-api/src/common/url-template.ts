import { registerDecorator, type ValidationOptions } from 'class-validator';

/**
 * A URL that may hold `{macro}` placeholders: valid once every placeholder is filled, with one of the
 * allowed protocols, and at most 2048 characters.
 */
export function IsUrlTemplate(protocols: string[], options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isUrlTemplate',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be an absolute ${protocols.join(' or ')} URL`, ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string' || value.length > 2048) return false;
          try {
            const url = new URL(value.replace(/\{[a-z_]+\}/g, 'x'));
            return protocols.includes(url.protocol.replace(/:$/, '')) && (url.hostname !== '' || !url.protocol.startsWith('http'));
          } catch {
            return false;
          }
        },
      },
    });
}
