/**
 * The step indicator: Ordered → Processing → Shipped → Out for delivery → Delivered, as an
 * ordered list whose current step carries `aria-current="step"` and whose completed steps say
 * so to screen readers. Drawn as dots on a line; late colours the current step amber.
 *
 * Under 640 px five labels do not fit side by side without breaking words ("Zamówio|no"), so
 * there the list's labels become screen-reader text and one line under the dots names the
 * current step and the next (`steps__now`, hidden from screen readers, which read the list).
 */
import { type Step, stepStates } from "@/lib/orders/progress.ts";
import type { T } from "@/lib/pages/messages.ts";

export function ProgressSteps(
  { t, step, label, late = false }: { t: T; step: Step; label: string; late?: boolean },
) {
  const states = stepStates(step);
  const next = states.find(({ state }) => state === "todo")?.step;
  return (
    <div class={`steps-box${late ? " steps--late" : ""}`}>
      <ol class="steps" aria-label={label}>
        {states.map(({ step: s, state }) => (
          <li
            class={`steps__step steps__step--${state}`}
            aria-current={state === "current" ? "step" : undefined}
          >
            <span class="steps__dot" aria-hidden="true"></span>
            <span class="steps__label">{t(`step.${s}`)}</span>
            {state === "done" && <span class="sr-only">{" " + t("steps.done")}</span>}
          </li>
        ))}
      </ol>
      <p class="steps__now" aria-hidden="true">
        <strong class="steps__current">{t(`step.${step}`)}</strong>
        {next && <span class="steps__next">{t("steps.next", { step: t(`step.${next}`) })}</span>}
      </p>
    </div>
  );
}
