/**
 * The Report Issue form's fields (INT-007 Report Issue Modal): issue type, description with its
 * counter, photos, contact email and phone, each with its label and its message. One copy for
 * the modal island (hydrated, handlers given) and the no-JS form page (server-rendered, none),
 * so both keep the same ids, names and aria wiring that the tests and screen readers rely on.
 * The island bundles this for the browser: it imports only `rules.ts` (which has no imports)
 * and types, nothing server-side.
 */
import type { ComponentChildren, JSX } from "preact";
import { charCount, ISSUE_TYPES } from "@/lib/issues/rules.ts";
import type { IssueMessageKey } from "@/lib/issues/messages.ts";

export type ReportFieldName = "issue_type" | "description" | "contact_email" | "contact_phone";
/** A text field's input or change; its `name` and `value` are on `currentTarget`. */
export type FieldEvent = JSX.TargetedEvent<
  HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement
>;

export interface ReportIssueFieldsProps {
  /** Current text values ("" for an empty field). */
  values: Record<ReportFieldName, string>;
  /** Message per field (including `photos`); empty or missing = valid. */
  errors: Record<string, string>;
  /** The issue strings for the page's locale, with `{name}` placeholders filled. */
  m: (key: IssueMessageKey, vars?: Record<string, string | number>) => string;
  /** Client only (the server-rendered page passes no handlers): a text field changed. */
  onInput?: (e: FieldEvent) => void;
  /** Client only: files were chosen in the photos input. */
  onPhotos?: (e: JSX.TargetedEvent<HTMLInputElement>) => void;
  /** Shown under the photos field's message (the island's list of chosen files). */
  children?: ComponentChildren;
  /**
   * The island's photo count: the picker is then a styled button saying how many files are
   * chosen (the island keeps the files, so the native input's own text would be wrong), and
   * the description's counter follows the typing. Without it (the no-JS page) the input is
   * the browser's own and the counter is a plain statement of the limits, which cannot move.
   */
  photoCount?: number;
}

export function ReportIssueFields(
  { values, errors, m, onInput, onPhotos, children, photoCount }: ReportIssueFieldsProps,
) {
  const live = photoCount !== undefined;
  // Every control is `ri-{name}`; its message `ri-{name}-err` is announced with its hint.
  const a11y = (name: string, hint?: string) => ({
    id: `ri-${name}`,
    name,
    "aria-invalid": errors[name] ? "true" as const : undefined,
    "aria-describedby": [hint, errors[name] && `ri-${name}-err`].filter(Boolean).join(" ") ||
      undefined,
  });
  /** Label (a visual `*` when required), control, hint, message, then anything extra. */
  const field = (
    name: ReportFieldName | "photos",
    required: boolean,
    control: JSX.Element,
    hint?: JSX.Element,
    extra?: ComponentChildren,
  ) => (
    <div class="ri-field">
      <label for={`ri-${name}`}>
        {m(name)}
        {required && (
          <>
            {" "}
            <span aria-hidden="true">*</span>
          </>
        )}
      </label>
      {control}
      {hint}
      {errors[name] ? <p id={`ri-${name}-err`} class="ri-error">{errors[name]}</p> : null}
      {extra}
    </div>
  );
  return (
    <>
      {field(
        "issue_type",
        true,
        <select {...a11y("issue_type")} required onChange={onInput}>
          <option value="">{m("issue_type_placeholder")}</option>
          {
            /* `selected` rather than the select's `value`: the server precompiles <option> to
              text, which a `value` can't mark, and the browser reads it as well. */
          }
          {ISSUE_TYPES.map((t) => (
            <option key={t} value={t} selected={values.issue_type === t}>{m(`type_${t}`)}</option>
          ))}
        </select>,
      )}
      {field(
        "description",
        true,
        <textarea
          {...a11y("description", "ri-description-count")}
          required
          rows={5}
          placeholder={m("description_placeholder")}
          value={values.description}
          onInput={onInput}
        />,
        <p id="ri-description-count" class="ri-hint">
          {live ? m("counter", { n: charCount(values.description) }) : m("description_limits")}
        </p>,
      )}
      {field(
        "photos",
        false,
        live
          ? (
            <span class="ri-picker">
              <span class="ri-picker__button" aria-hidden="true">{m("photos_choose")}</span>
              <span class="ri-picker__count" id="ri-photos-count">
                {photoCountText(m, photoCount)}
              </span>
              <input
                {...a11y("photos", "ri-photos-count ri-photos-hint")}
                type="file"
                multiple
                accept="image/jpeg,image/png,application/pdf"
                onChange={onPhotos}
              />
            </span>
          )
          : (
            <input
              {...a11y("photos", "ri-photos-hint")}
              type="file"
              multiple
              accept="image/jpeg,image/png,application/pdf"
            />
          ),
        <p id="ri-photos-hint" class="ri-hint">{m("photos_hint")}</p>,
        children,
      )}
      {field(
        "contact_email",
        true,
        <input
          {...a11y("contact_email")}
          type="email"
          required
          autoComplete="email"
          value={values.contact_email}
          onInput={onInput}
        />,
      )}
      {field(
        "contact_phone",
        false,
        <input
          {...a11y("contact_phone")}
          type="tel"
          autoComplete="tel"
          value={values.contact_phone}
          onInput={onInput}
        />,
      )}
    </>
  );
}

/** "No files chosen", "1 file chosen", "Wybrano 5 plików": the plural from Intl.PluralRules. */
function photoCountText(m: ReportIssueFieldsProps["m"], n: number): string {
  if (n === 0) return m("photos_none");
  const form = new Intl.PluralRules(document.documentElement.lang || "en").select(n);
  const key = `photos_count_${["one", "few", "many"].includes(form) ? form : "other"}`;
  return m(key as "photos_count_other", { n });
}
