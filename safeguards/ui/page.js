() => {
  // Openness Safeguards: the page's small scripts. Loaded once by launch(js=...).
  // 1. In-app links (`?artifact=…`, marked data-sg-link or any "?…" address) open
  //    without a reload: the address is pushed and the router (#route-go) reads it.
  // 2. Back and Forward (popstate) ask the router for the view of the new address.
  // 3. The content-warning popup (#nfaa-popup) behaves as a modal dialog (WAI-ARIA):
  //    role and aria-modal, focus moved in and kept there, Escape = "Go back".
  // 4. Gradio 6.31 titles its toasts with their type in English ("Warning", "Info"):
  //    they are put in the reader's language, from the app's translation table.
  // 5. A bar of Browse's category chart ([data-sg-category]) picks that category in
  //    #category-picker, as if its radio had been clicked.
  // An artifact's address has a router event of its own that updates only that view.
  const route = () => {
    const artifact = new URLSearchParams(location.search).get("artifact");
    document.querySelector(artifact ? "#route-artifact" : "#route-go")?.click();
  };

  const TOASTS = __TOAST_TITLES__;
  const language = (() => {
    for (const tag of navigator.languages || [navigator.language || "en"]) {
      const t = tag.toLowerCase();
      if (t.startsWith("zh")) return "zh-CN";
      if (t.startsWith("en")) return "en";
    }
    return "en";
  })();
  const titles = TOASTS[language] || TOASTS.en;
  const translateToasts = () => {
    for (const title of document.querySelectorAll(".toast-title:not([data-sg-title])")) {
      const type = [...title.classList].find((c) => titles[c]);
      const text = [...title.childNodes].find((n) => n.nodeType === Node.TEXT_NODE);
      if (!type || !text) continue;
      text.textContent = titles[type] + " ";
      title.dataset.sgTitle = type;
    }
    for (const close of document.querySelectorAll(".toast-close[aria-label='Close']")) {
      close.setAttribute("aria-label", titles.close);
    }
  };

  document.addEventListener("click", (event) => {
    const bar = event.target.closest && event.target.closest("[data-sg-category]");
    if (bar) {
      const slug = bar.getAttribute("data-sg-category");
      const radio = [...document.querySelectorAll("#category-picker input[type=radio]")]
        .find((input) => input.value === slug);
      if (radio && !radio.checked) radio.click();
      radio?.closest("#category-picker")?.scrollIntoView({ block: "nearest" });
      return;
    }
    const link = event.target.closest && event.target.closest("a[href]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    const href = link.getAttribute("href") || "";
    if (!link.hasAttribute("data-sg-link") && !href.startsWith("?")) return;
    event.preventDefault();
    event.stopPropagation();
    if (href !== location.search) history.pushState(null, "", href || location.pathname);
    route();
  }, true);
  window.addEventListener("popstate", route);

  const FOCUSABLE = "button, input, textarea, select, a[href], [tabindex]:not([tabindex='-1'])";
  let returnFocus = null;
  const popup = () => {
    const box = document.getElementById("nfaa-popup");
    return box && box.getClientRects().length ? box : null;
  };
  const focusables = (box) =>
    [...box.querySelectorAll(FOCUSABLE)].filter((el) => !el.disabled && el.getClientRects().length);
  const watch = () => {
    translateToasts();
    const box = popup();
    const heading = box && box.querySelector("#nfaa-title h2");
    if (heading && !box.hasAttribute("aria-labelledby")) {
      heading.id = "nfaa-heading";
      box.setAttribute("aria-labelledby", heading.id);
    }
    if (box && box.dataset.sgDialog !== "open") {
      box.dataset.sgDialog = "open";
      box.setAttribute("role", "dialog");
      box.setAttribute("aria-modal", "true");
      returnFocus = document.activeElement;
      const moveIn = (tries) => {
        const first = box.querySelector("#view-content") || focusables(box)[0];
        if (first) first.focus();
        if (!box.contains(document.activeElement) && tries > 0) {
          setTimeout(() => moveIn(tries - 1), 50);
        }
      };
      moveIn(20);
    } else if (!box) {
      const gone = document.querySelector("#nfaa-popup[data-sg-dialog='open']");
      if (gone) delete gone.dataset.sgDialog;
      if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
      returnFocus = null;
    }
  };
  new MutationObserver(watch).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["class", "style"],
  });
  document.addEventListener("keydown", (event) => {
    const box = popup();
    if (!box) return;
    if (event.key === "Escape") {
      event.preventDefault();
      box.querySelector("#go-back")?.click();
      return;
    }
    if (event.key !== "Tab") return;
    const items = focusables(box);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (!box.contains(document.activeElement)) {
      event.preventDefault();
      first.focus();
    } else if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }, true);
}
