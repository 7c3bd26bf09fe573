/**
 * [Report Issue] (island, hydrated on interaction: none of its code is in the page's initial
 * JavaScript). It is a link to the no-JS form page, and stays one for a new tab or without
 * JavaScript. The first pointerdown, focus, key or click on it loads this island (the
 * framework's lazy loader holds a click that comes first and gives it back once hydrated);
 * a plain click then fetches the modal's code (components/ReportIssueDialog.tsx, a dynamic
 * import) and opens it; later clicks open it at once. If either cannot be fetched (offline,
 * a deploy in between) the click goes to the form page after all.
 * A class component, so this part needs nothing beyond Preact itself.
 */
import { Component, type ComponentType } from "preact";
import type { ReportIssueDialogProps } from "@/components/ReportIssueDialog.tsx";

export interface ReportIssueProps {
  orderNumber: string;
  /** POST target: `/api/portal/customer/{token}/orders/{order}/report-issue`. */
  postUrl: string;
  /** The no-JS form page the link opens. */
  formUrl: string;
  contactEmail: string;
  locale: string;
  /** `formMessages(locale)` from lib/issues/messages.ts. */
  messages: Record<string, string>;
}

/** Loaded on first interaction (lib/framework/islands.ts); the timeline hydrates alone. */
export const hydrate = "interaction";

interface State {
  live: boolean;
  loading: boolean;
  Dialog?: ComponentType<ReportIssueDialogProps>;
  opens: number;
}

export default class ReportIssue extends Component<ReportIssueProps, State> {
  override state: State = { live: false, loading: false, opens: 0 };
  link: HTMLAnchorElement | null = null;

  override componentDidMount() {
    this.setState({ live: true });
  }

  open = (e: MouseEvent) => {
    // A new tab or window keeps the link's own meaning: the form page.
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    if (this.state.Dialog) return this.setState({ opens: this.state.opens + 1 });
    if (this.state.loading) return;
    this.setState({ loading: true });
    import("@/components/ReportIssueDialog.tsx").then(
      (mod) => this.setState({ Dialog: mod.default, opens: 1, loading: false }),
      () => location.assign(this.props.formUrl),
    );
  };

  render(p: ReportIssueProps, s: State) {
    const { Dialog } = s;
    return (
      <>
        <a
          ref={(el) => {
            this.link = el;
          }}
          class="btn btn--ghost"
          href={p.formUrl}
          aria-haspopup={s.live ? "dialog" : undefined}
          aria-busy={s.loading ? "true" : undefined}
          onClick={this.open}
        >
          {p.messages.report_issue}
        </a>
        {Dialog && <Dialog {...p} opens={s.opens} trigger={() => this.link} />}
      </>
    );
  }
}
