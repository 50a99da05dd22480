// Statements: the "New statement" form takes the chosen crisis template's text, and the room's
// statements panel reloads itself when a statement changes (a live "crisis.statement" event),
// unless someone is typing a rejection reason in it.
(function () {
  "use strict";
  if (window.vigieStatements) return; // the panel may be included more than once
  window.vigieStatements = true;

  document.addEventListener("change", function (event) {
    const select = event.target.closest("[data-statement-template]");
    if (!select) return;
    const text = document.querySelector("[data-statement-text]");
    const option = select.selectedOptions[0];
    if (text && option && option.dataset.text && !text.value.trim()) text.value = option.dataset.text;
  });

  let pending = null;
  function refresh() {
    const panel = document.getElementById("statements-panel");
    if (!panel) return;
    const typing = panel.querySelector("textarea:focus") ||
      Array.from(panel.querySelectorAll("textarea")).some(function (area) { return area.value.trim(); });
    if (typing) return;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("statements-panel");
        if (fresh) panel.replaceWith(fresh);
      })
      .catch(function () { /* the next event or a reload catches up */ });
  }

  document.addEventListener("vigie:live", function (event) {
    const detail = event.detail || {};
    if (detail.type !== "crisis.statement") return;
    clearTimeout(pending);
    pending = setTimeout(refresh, 300); // several posts finishing together: one reload
  });
  document.addEventListener("vigie:caught-up", refresh);
})();
