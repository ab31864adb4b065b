/**
 * GOV.UK form errors from a validation failure (zod's `ZodError` or anything shaped like it).
 *
 * The error summary lists each problem once, in the order of the issues, and links to the field
 * (`href: '#<field id>'`); each field gets its first message for its `errorMessage` param.
 * Messages are the schema's own: write them for citizens in the schema ("Enter your date of
 * birth"), per the GOV.UK error-message guidance, or pass `messages` to override by field.
 */
export interface FormIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export interface FormErrors {
  /** For `govukErrorSummary({ errorList })` — the layout shows it when passed as `errorList`. */
  errorList: { text: string; href: string }[];
  /** For each component's `errorMessage: fieldErrors.<name>` (undefined = no error). */
  fieldErrors: Record<string, { text: string }>;
}

export interface FormErrorsOptions {
  /** Field name → message, replacing the schema's message for that field. */
  messages?: Record<string, string>;
  /**
   * Field name → the id of the element the summary should link to, when it is not the name
   * (a date input's first box, a radios group's first option: `'dob' → 'dob-day'`).
   */
  ids?: Record<string, string>;
}

/** The field a path belongs to: `['address', 'postcode']` → `address-postcode`. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('-') || 'form';
}

export function formErrors(
  error: { readonly issues: readonly FormIssue[] },
  options: FormErrorsOptions = {},
): FormErrors {
  const errorList: FormErrors['errorList'] = [];
  const fieldErrors: FormErrors['fieldErrors'] = {};
  for (const issue of error.issues) {
    const name = fieldName(issue.path);
    if (fieldErrors[name]) continue;
    const text = options.messages?.[name] ?? issue.message;
    fieldErrors[name] = { text };
    errorList.push({ text, href: `#${options.ids?.[name] ?? name}` });
  }
  return { errorList, fieldErrors };
}
