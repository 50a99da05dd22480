// The approval queue: refreshes its list when a reply is sent for approval or decided elsewhere,
// unless the approver is in the middle of writing an edit or a comment. Only the list is replaced,
// so the outcome of the approver's own last action stays on screen.
(function () {
  "use strict";
  const page = document.getElementById("approvals");
  if (!page) return;
  let pending = false;
  function reload() {
    const active = document.activeElement;
    if (active && page.contains(active) && (active.tagName === "TEXTAREA" || active.tagName === "INPUT")) {
      pending = true;
      return;
    }
    pending = false;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r); })
      .then(function (html) {
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("approval-queue");
        const current = document.getElementById("approval-queue");
        if (fresh && current) current.replaceWith(fresh);
        if (window.vigieInbox) window.vigieInbox.tickSla();
      });
  }
  document.addEventListener("vigie:live", function (event) {
    if (String(event.detail.type).indexOf("approval.") === 0) reload();
  });
  document.addEventListener("vigie:caught-up", reload);
  page.addEventListener("focusout", function () { if (pending) setTimeout(reload, 300); });
})();
