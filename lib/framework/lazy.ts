/**
 * Browser side of hydrate-on-interaction islands (`export const hydrate = "interaction"`, our
 * extension; README). The page loads none of such an island's code: this listens once,
 * delegated on the document, and the first pointerdown, click, keydown or focusin inside one
 * imports its entry (`data-src`), which hydrates every island of that name. A plain click that
 * arrives before it is live is held (its default prevented) and dispatched again once it is, so
 * the first click does what it would have done, once; a modified or middle click keeps the
 * browser's own meaning (a link opens in a new tab). If the import fails the island stays
 * server HTML and the held click is dispatched to it: a link navigates. Part of the runtime
 * (`client.ts`), which a page with such an island loads by itself; every byte here counts
 * against the order page's initial JavaScript budget.
 */
// Only our own bundles: an injected element cannot make this import foreign code.
const OURS = /^\/_fresh\/js\/[\w-]+\.js$/;
const loading: Record<string, Promise<void>> = {};
const held: Record<string, MouseEvent | undefined> = {};

function wake(e: Event) {
  const t = e.target;
  const island = t instanceof Element &&
    t.closest<HTMLElement>('mp-island[data-hydrate="interaction"]:not([data-hydrated])');
  if (!island) return;
  const { island: name, src } = island.dataset as { island: string; src: string };
  const m = e as MouseEvent;
  if (e.type == "click" && !(m.button || m.ctrlKey || m.metaKey || m.shiftKey || m.altKey)) {
    e.preventDefault();
    held[name] = m;
  }
  loading[name] ??= (OURS.test(src) ? import(src) : Promise.reject())
    .catch(() => {
      // Server HTML from now on: the held click below does what it does without JS.
      for (const el of document.querySelectorAll(`mp-island[data-island="${name}"]`)) {
        el.removeAttribute("data-hydrate");
      }
    })
    .then(() => {
      const click = held[name];
      held[name] = undefined;
      if (click) click.target!.dispatchEvent(new MouseEvent("click", click));
    });
}

for (const type of ["pointerdown", "click", "keydown", "focusin"]) {
  document.addEventListener(type, wake, true);
}
