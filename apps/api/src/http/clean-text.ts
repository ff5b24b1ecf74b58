import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

// C0 controls and DEL; Postgres refuses NUL in text outright (a 500 before this rule), and the others
// (escape sequences, bells) have no place in a name or caption shown to other people.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// The same, less tab, line feed and carriage return, which a caption may hold.
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// Body parsers decode invalid UTF-8 to U+FFFD instead of failing; seeing it is how we know the bytes were
// not UTF-8 (a client that means the replacement character itself is refused too, a price worth paying).
const REPLACEMENT = '\ufffd';

export interface CleanTextRules {
  /** tab, CR and LF allowed (captions) */
  lineBreaks?: boolean;
}

/** The problem with a client's text, naming the field, or null when it is clean. */
export function textProblem(field: string, value: string, rules: CleanTextRules = {}): string | null {
  if ((rules.lineBreaks ? CONTROL_BUT_LINE_BREAKS : CONTROL).test(value)) return `${field} must not contain control characters`;
  if (value.includes(REPLACEMENT)) return `${field} must be valid UTF-8`;
  return null;
}

/** class-validator form of textProblem, for DTO fields; non-strings are left to @IsString. */
export function IsCleanText(rules: CleanTextRules = {}, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isCleanText',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || textProblem('', value, rules) === null,
        defaultMessage: (args: ValidationArguments) => textProblem(args.property, String(args.value), rules) ?? `${args.property} is not clean text`,
      },
    });
}
