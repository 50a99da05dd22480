// The approval queue: reloads itself when a reply is sent for approval or decided elsewhere,
// unless the approver is in the middle of writing an edit or a comment.
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
    window.location.reload();
  }
  document.addEventListener("vigie:live", function (event) {
    if (String(event.detail.type).indexOf("approval.") === 0) reload();
  });
  document.addEventListener("vigie:caught-up", reload);
  page.addEventListener("focusout", function () { if (pending) setTimeout(reload, 300); });
})();
