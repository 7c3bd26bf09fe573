/**
 * The Report Issue modal (INT-007 Report Issue Modal), browser only: the ReportIssue island
 * imports this module on the first click of [Report Issue], so none of it is in the order
 * page's initial JavaScript. A <dialog> opened modally (background inert), a header that keeps
 * the title beside a compact Close, fields with client checks that mirror the server's
 * (lib/issues/rules.ts) and messages next to each, a styled photo picker that says how many
 * files are chosen and lists them (thumbnail, name cut with an ellipsis, size, a 48 px remove
 * button), focus kept inside, Escape/Cancel closing it with focus back on the trigger, and on
 * success a toast (role=status) that can be dismissed and leaves by itself. One
 * Idempotency-Key per opening, so a double click or a retry makes one ticket.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { JSX } from "preact";
import { checkReport, MAX_FILE_BYTES, MAX_FILES, sniffType } from "@/lib/issues/rules.ts";
import { type FieldEvent, ReportIssueFields } from "@/components/ReportIssueFields.tsx";

export interface ReportIssueDialogProps {
  orderNumber: string;
  /** POST target: `/api/portal/customer/{token}/orders/{order}/report-issue`. */
  postUrl: string;
  contactEmail: string;
  locale: string;
  /** `formMessages(locale)` from lib/issues/messages.ts. */
  messages: Record<string, string>;
  /** Goes up by one on every click of the trigger: each one opens the dialog. */
  opens: number;
  /** The trigger, to give focus back to. */
  trigger: () => HTMLElement | null | undefined;
}

type Values = {
  issue_type: string;
  description: string;
  contact_email: string;
  contact_phone: string;
};
type Photo = { file: File; url?: string; id: number };
type Messages = (k: string, v?: Record<string, string | number>) => string;
let nextId = 0;

const FIELDS = ["issue_type", "description", "photos", "contact_email", "contact_phone"];
/** How long the success toast stays (unless hovered or focused, which holds it). */
export const TOAST_MS = 8000;

/** `{placeholder}` substitution over the catalogue the page passed in. */
function translator(messages: Record<string, string>): Messages {
  return (k, v = {}) =>
    (messages[k] ?? k).replace(/\{(\w+)\}/g, (s, n) => (n in v ? String(v[n]) : s));
}

/** "4 KB", "1,2 MB" in the page's language. */
function fileSize(locale: string, bytes: number): string {
  const mb = bytes >= 1024 * 1024;
  return new Intl.NumberFormat(locale, {
    style: "unit",
    unit: mb ? "megabyte" : "kilobyte",
    maximumFractionDigits: mb ? 1 : 0,
  }).format(Math.max(mb ? bytes / 1048576 : Math.ceil(bytes / 1024), mb ? 0 : 1));
}

/** Adds picked files after the same checks as the server (count, size, type by first bytes). */
async function withPickedFiles(
  photos: Photo[],
  files: File[],
): Promise<{ photos: Photo[]; error: string }> {
  const next = [...photos];
  let error = "";
  for (const file of files) {
    if (next.length >= MAX_FILES) error = "err_too_many_files";
    else if (file.size === 0) error = "err_file_empty";
    else if (file.size > MAX_FILE_BYTES) error = "err_file_too_large";
    else {
      const type = sniffType(new Uint8Array(await file.slice(0, 8).arrayBuffer()));
      if (!type) error = "err_file_type";
      else {
        const url = type === "application/pdf" ? undefined : URL.createObjectURL(file);
        next.push({ id: nextId++, file, url });
      }
    }
  }
  return { photos: next, error };
}

type Sent =
  | { ok: true; ticket: string }
  | { ok: false; errors: Record<string, string>; message?: string };

/** Posts the report (multipart, with this opening's Idempotency-Key); the server's answer. */
async function sendReport(
  p: ReportIssueDialogProps,
  key: string,
  values: Values,
  photos: Photo[],
): Promise<Sent> {
  const body = new FormData();
  for (const [k, v] of Object.entries(values)) body.append(k, v);
  for (const ph of photos) body.append("photos", ph.file, ph.file.name);
  const sep = p.postUrl.includes("?") ? "&" : "?";
  const res = await fetch(`${p.postUrl}${sep}lang=${p.locale}`, {
    method: "POST",
    body,
    headers: { "Idempotency-Key": key },
  });
  const json = await res.json().catch(() => ({}));
  if (res.status === 201) return { ok: true, ticket: json.ticket_number };
  const fields: Record<string, string[]> = json?.error?.fields ?? {};
  const errors: Record<string, string> = {};
  for (const [f, msgs] of Object.entries(fields)) errors[f] = msgs[0];
  return { ok: false, errors, message: json?.error?.message };
}

/** Keeps Tab and Shift+Tab inside the dialog. */
function trapTab(dialog: HTMLDialogElement | null, e: KeyboardEvent) {
  if (e.key !== "Tab" || !dialog) return;
  const els = Array.from(
    dialog.querySelectorAll<HTMLElement>("button,select,textarea,input"),
  ).filter((el) => !(el as HTMLButtonElement).disabled);
  const first = els[0];
  const last = els[els.length - 1];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

function PhotoList(
  { photos, m, locale, onRemove }: {
    photos: Photo[];
    m: Messages;
    locale: string;
    onRemove: (i: number) => void;
  },
) {
  if (photos.length === 0) return null;
  return (
    <ul class="ri-files">
      {photos.map((ph, i) => (
        <li key={ph.id} class="ri-file">
          {ph.url
            ? <img class="ri-file__thumb" src={ph.url} alt="" />
            : <b class="ri-file__thumb ri-file__thumb--pdf" aria-hidden="true">PDF</b>}
          <span class="ri-file__name" title={ph.file.name}>{ph.file.name}</span>
          <span class="ri-file__size">{fileSize(locale, ph.file.size)}</span>
          <button type="button" class="btn btn--ghost ri-file__remove" onClick={() => onRemove(i)}>
            <span aria-hidden="true">✕</span>
            <span class="sr-only">{m("remove_file", { name: ph.file.name })}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The success message: a status toast with a dismiss button, gone after TOAST_MS. */
function Toast({ text, m, onDone }: { text: string; m: Messages; onDone: () => void }) {
  const [held, setHeld] = useState(false);
  useEffect(() => {
    if (!text || held) return;
    const timer = setTimeout(onDone, TOAST_MS);
    return () => clearTimeout(timer);
  }, [text, held]);
  return (
    <div
      class="toast"
      role="status"
      onMouseEnter={() => setHeld(true)}
      onMouseLeave={() => setHeld(false)}
      onFocusIn={() => setHeld(true)}
      onFocusOut={() => setHeld(false)}
    >
      {text && (
        <div class="toast__box">
          <p class="toast__text">{text}</p>
          <button type="button" class="btn btn--ghost toast__close" onClick={onDone}>
            <span aria-hidden="true">✕</span>
            <span class="sr-only">{m("dismiss")}</span>
          </button>
        </div>
      )}
    </div>
  );
}

export default function ReportIssueDialog(p: ReportIssueDialogProps) {
  const m = translator(p.messages);
  const blank = {
    issue_type: "",
    description: "",
    contact_email: p.contactEmail,
    contact_phone: "",
  };
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<Values>(blank);
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [alert, setAlert] = useState("");
  const [busy, setBusy] = useState(false);
  const [toast, setToast] = useState("");
  const dialog = useRef<HTMLDialogElement>(null);
  const key = useRef("");

  // Every click of the trigger opens it, with a fresh key for this report.
  useEffect(() => {
    if (p.opens === 0) return;
    key.current = crypto.randomUUID();
    setToast("");
    setAlert("");
    setOpen(true);
  }, [p.opens]);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      d.querySelector("select")?.focus();
    } else if (!open && d.open) {
      d.close();
      p.trigger()?.focus();
    }
  }, [open]);

  const set = (e: FieldEvent) => {
    const { name, value } = e.currentTarget as { name: keyof Values; value: string };
    setValues({ ...values, [name]: value });
    if (errors[name]) setErrors({ ...errors, [name]: "" });
  };
  const focusFirstError = (errs: Record<string, string>) => {
    const f = FIELDS.find((n) => errs[n]);
    if (f) setTimeout(() => (dialog.current?.querySelector(`#ri-${f}`) as HTMLElement)?.focus());
  };

  async function addFiles(e: JSX.TargetedEvent<HTMLInputElement>) {
    const input = e.currentTarget;
    const picked = await withPickedFiles(photos, Array.from(input.files ?? []));
    input.value = "";
    setPhotos(picked.photos);
    setErrors({ ...errors, photos: picked.error ? m(picked.error) : "" });
  }
  const remove = (i: number) => {
    const ph = photos[i];
    if (ph.url) URL.revokeObjectURL(ph.url);
    setPhotos(photos.filter((_, k) => k !== i));
    setErrors({ ...errors, photos: "" });
    (dialog.current?.querySelector("#ri-photos") as HTMLElement)?.focus();
  };

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const checked: Record<string, string> = {};
    for (const [f, k] of Object.entries(checkReport(values))) checked[f] = m(k as string);
    if (errors.photos) checked.photos = errors.photos;
    setErrors(checked);
    setAlert("");
    if (Object.values(checked).some(Boolean)) return focusFirstError(checked);
    setBusy(true);
    try {
      const sent = await sendReport(p, key.current, values, photos);
      if (sent.ok) {
        photos.forEach((ph) => ph.url && URL.revokeObjectURL(ph.url));
        setPhotos([]);
        setValues(blank);
        setOpen(false);
        setToast(`${m("success")} ${m("ticket_ref", { ticket: sent.ticket })}`);
      } else {
        setErrors(sent.errors);
        if (!FIELDS.some((f) => sent.errors[f])) setAlert(sent.message ?? m("err_generic"));
        focusFirstError(sent.errors);
      }
    } catch {
      setAlert(m("err_generic"));
    }
    setBusy(false);
  }

  const close = () => setOpen(false);
  return (
    <>
      <dialog
        ref={dialog}
        class="ri-dialog"
        aria-labelledby="ri-title"
        onCancel={(e) => {
          e.preventDefault();
          close();
        }}
        onKeyDown={(e) => trapTab(dialog.current, e)}
      >
        <form class="ri-form ri-form--dialog" noValidate onSubmit={submit}>
          <div class="ri-head">
            <h2 id="ri-title">{m("title")}</h2>
            <button type="button" class="btn btn--ghost ri-close" onClick={close}>
              <span aria-hidden="true">✕</span> <span class="ri-close__label">{m("close")}</span>
            </button>
          </div>
          <div class="ri-body">
            <p class="ri-order">{m("order", { order: p.orderNumber })}</p>
            {alert && <p class="ri-alert" role="alert">{alert}</p>}
            <ReportIssueFields
              values={values}
              errors={errors}
              m={m}
              onInput={set}
              onPhotos={addFiles}
              photoCount={photos.length}
            >
              <PhotoList photos={photos} m={m} locale={p.locale} onRemove={remove} />
            </ReportIssueFields>
          </div>
          <div class="ri-actions">
            <button type="button" class="btn btn--ghost" onClick={close}>
              {m("cancel")}
            </button>
            <button type="submit" class="btn" disabled={busy} aria-busy={busy}>
              {busy ? m("submitting") : m("submit")}
            </button>
          </div>
        </form>
      </dialog>
      <Toast text={toast} m={m} onDone={() => setToast("")} />
    </>
  );
}
