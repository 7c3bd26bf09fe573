/**
 * Styles of the Report Issue modal and form page, rendered as one <style> element by the
 * island and the page (the CSP allows inline styles, not scripts). They build on the
 * portal's stylesheet variables and `.btn`; every control is at least 48 px high and every
 * colour pair passes WCAG AA.
 */
export const ISSUE_CSS = `
.ri-dialog{width:min(560px,calc(100vw - 24px));max-height:calc(100dvh - 24px);overflow:auto;padding:0;border:0;border-radius:var(--radius,10px);color:var(--ink,#1f2937);background:#fff}
.ri-dialog::backdrop{background:rgba(17,24,39,.6)}
.ri-form{display:grid;gap:16px;padding:20px}
.ri-head{display:flex;justify-content:space-between;align-items:center;gap:12px}
.ri-head h1,.ri-head h2{font-size:1.25rem}
.ri-field{display:grid;gap:6px}
.ri-form>*,.ri-field>*{min-width:0}
.ri-field label,.ri-legend{font-weight:600}
.ri-field select,.ri-field textarea,.ri-field input:not([type=file]){min-height:48px;width:100%;padding:10px 12px;border:2px solid #6b7280;border-radius:8px;font:inherit;color:inherit;background:#fff}
.ri-field input[type=file]{min-height:48px;width:100%;max-width:100%;font:inherit}
.ri-field textarea{min-height:120px;resize:vertical}
.ri-field [aria-invalid=true]{border-color:#b91c1c}
.ri-hint{margin:0;color:var(--muted,#4b5563);font-size:.9rem}
.ri-error{margin:0;color:#b91c1c;font-weight:600}
.ri-alert{margin:0;padding:12px;border-radius:8px;background:#fef2f2;color:#991b1b;border:1px solid #b91c1c}
.ri-files{list-style:none;margin:0;padding:0;display:grid;gap:8px}
.ri-file{display:flex;align-items:center;gap:12px}
.ri-file img,.ri-file .ri-pdf{width:48px;height:48px;object-fit:cover;border-radius:6px;background:#e5e7eb;display:grid;place-items:center;font-size:.75rem;font-weight:700}
.ri-file span{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis}
.ri-actions{display:flex;justify-content:space-between;gap:12px;flex-wrap:wrap}
.ri-toast{position:fixed;left:50%;bottom:24px;transform:translateX(-50%);max-width:calc(100vw - 24px);padding:14px 20px;border-radius:var(--radius,10px);background:#065f46;color:#fff;font-weight:600;box-shadow:0 4px 16px rgba(0,0,0,.25)}
.ri-toast:empty{display:none}
.ri-success{padding:16px;border-radius:8px;background:#ecfdf5;color:#065f46;border:1px solid #065f46}
`;
