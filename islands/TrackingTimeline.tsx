/**
 * The tracking timeline (island): one connected vertical line with a mark per entry —
 * completed ✓, current ●, expected ○, late ! — as an ordered list whose marks are also spoken
 * ("Completed:", "Current status:", "Expected:", "Late:"), then the carrier's delivery facts.
 * A shipment the carrier has not answered for yet says "waiting for the carrier", an unscanned
 * label "waiting for the first scan"; an event in an unknown zone shows its time as written.
 *
 * Server-rendered in full; in the browser it adds [Refresh tracking], which reloads the
 * shipment from the portal's tracking API while the list stays in place, a progress bar and
 * "Refreshing tracking…" are announced (aria-live), then the time of the check. The button
 * appears only once it works (no dead controls without JS), in a row whose height is
 * reserved, so nothing shifts. A class component: the page's initial JavaScript budget
 * (8 KB gzipped) has no room for preact/hooks.
 */
import { Component } from "preact";
import type { DeliveryFacts, Locale } from "@/lib/orders/model.ts";
import { formatRelative, formatWallDate } from "@/lib/i18n/format.ts";
import { type FactLabels, factPhrases, fill } from "@/lib/pages/delivery_facts.ts";
import { buildTimeline, type Mark, type TimelineEvent } from "@/lib/pages/timeline.ts";

export interface TrackingTimelineLabels {
  title: string;
  done: string;
  current: string;
  expected: string;
  late: string;
  lateNote: string;
  refresh: string;
  refreshing: string;
  updated: string;
  checked: string;
  error: string;
  expectedDelivery: string;
  originalDelivery: string;
  newDelivery: string;
  empty: string;
  awaitingCarrier: string;
  awaitingScan: string;
  facts: string;
  fact: FactLabels;
}

/** The shipment as the island draws it: the tracking API's shape, so a refresh drops in. */
export interface TimelineData {
  status: string;
  estimated_delivery: string | null;
  overdue?: boolean;
  delivery: DeliveryFacts | null;
  events: TimelineEvent[];
  last_refreshed_at: string | null;
  awaiting_first_scan?: boolean;
}

export interface TrackingTimelineProps {
  locale: Locale;
  /** Tracking API of this order, for the refresh. */
  api: string;
  trackingNumber: string;
  shipment: TimelineData;
  /** Server time of the render, so server and browser draw the same marks. */
  now: string;
  labels: TrackingTimelineLabels;
}

interface State {
  data: TimelineData;
  now: string;
  live: boolean;
  loading: boolean;
  failed: boolean;
  /** When the last refresh succeeded, on the server's clock, shown in the browser's zone. */
  checked: string;
}

const SYMBOL: Record<Mark, string> = { done: "✓", current: "●", expected: "○", late: "!" };

export default class TrackingTimeline extends Component<TrackingTimelineProps, State> {
  constructor(props: TrackingTimelineProps) {
    super(props);
    this.state = {
      data: props.shipment,
      now: props.now,
      live: false,
      loading: false,
      failed: false,
      checked: "",
    };
  }

  override componentDidMount() {
    this.setState({ live: true });
  }

  refresh = async () => {
    this.setState({ loading: true, failed: false });
    type Answer = { shipments?: Array<TimelineData & { tracking_number: string }> };
    const s = await fetch(this.props.api, { headers: { accept: "application/json" } })
      .then((res) => res.ok ? res.json() as Promise<Answer> : {} as Answer)
      .then((body) => body.shipments?.find((x) => x.tracking_number === this.props.trackingNumber))
      .catch(() => undefined);
    if (!s) return this.setState({ loading: false, failed: true });
    // The server's clock (as the page was drawn on), moved on by the time since the page was
    // asked for: a browser whose clock is wrong never turns an estimate late.
    const now = new Date(Date.parse(this.props.now) + performance.now());
    this.setState({
      data: s,
      now: now.toISOString(),
      loading: false,
      checked: now.toLocaleTimeString(this.props.locale, { hour: "2-digit", minute: "2-digit" }),
    });
  };

  render({ locale, labels: l }: TrackingTimelineProps, s: State) {
    const d = s.data;
    const entries = buildTimeline(d, new Date(s.now));
    const estimateText = {
      expected: l.expectedDelivery,
      original: l.originalDelivery,
      revised: l.newDelivery,
    };
    const awaiting = d.events.length === 0
      ? (d.awaiting_first_scan ? l.awaitingScan : !d.last_refreshed_at ? l.awaitingCarrier : "")
      : "";
    const facts = factPhrases(
      d.delivery,
      l.fact,
      (iso) => formatWallDate(locale, iso, "shortDateTime"),
    );
    const updated = d.last_refreshed_at
      ? fill(l.updated, { time: formatRelative(locale, d.last_refreshed_at, new Date(s.now)) })
      : "";
    return (
      <div class="timeline" aria-busy={s.loading}>
        <div class="timeline__head">
          <h3 class="timeline__title">{l.title}</h3>
          {
            /* Rendered on the server too, invisible until hydrated: its width is reserved,
            so the title does not re-wrap (a layout shift) when it appears. */
          }
          <button
            class={s.live ? "btn btn--ghost" : "btn btn--ghost is-pending"}
            type="button"
            onClick={this.refresh}
            disabled={s.loading || !s.live}
          >
            {s.loading ? l.refreshing : l.refresh}
          </button>
        </div>
        {awaiting && <p class="timeline__note">{awaiting}</p>}
        {entries.length > 0
          ? (
            <ol class="timeline__list">
              {entries.map((e, i) => (
                <li
                  key={`${i}:${e.at}`}
                  class={`tl tl--${e.mark}`}
                  aria-current={e.mark === "current" ? "step" : undefined}
                >
                  <span class="tl__mark" aria-hidden="true">{SYMBOL[e.mark]}</span>
                  <span class="sr-only">{l[e.mark]}</span>
                  <time
                    class="tl__time"
                    // A time in an unknown zone is a local date-time, not an instant.
                    dateTime={e.time_zone_unknown ? e.at.slice(0, 16) : e.at}
                  >
                    {e.at.length === 10
                      ? formatWallDate(locale, e.at, "short")
                      : formatWallDate(locale, e.at, "shortDateTime")}
                  </time>
                  <span class="tl__text">
                    {e.estimate ? estimateText[e.estimate] : e.description}
                    {e.mark === "late" && <span class="tl__late">{l.lateNote}</span>}
                    {e.location && <span class="tl__place">{e.location}</span>}
                  </span>
                </li>
              ))}
            </ol>
          )
          : !awaiting && <p class="timeline__note">{l.empty}</p>}
        {facts.length > 0 && (
          <div class="timeline__facts">
            <h4>{l.facts}</h4>
            <ul>{facts.map((f) => <li key={f}>{f}</li>)}</ul>
          </div>
        )}
        <p class="timeline__foot" role="status">
          {s.loading
            ? (
              <>
                <span class="timeline__progress" aria-hidden="true"></span>
                {l.refreshing}
              </>
            )
            : s.failed
            ? <span class="error-text">{l.error}</span>
            : [updated, s.checked && fill(l.checked, { time: s.checked })].filter(Boolean).join(
              " ",
            )}
        </p>
      </div>
    );
  }
}
