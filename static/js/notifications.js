// The header's notification centre: unread count (live through the websocket), the latest
// notifications when opened, mark read. And the tab's badge: the page title and the favicon carry
// what waits for the person (unread notifications, plus new conversations on the inbox page).
(function () {
  "use strict";
  const baseTitle = document.title.replace(/^\(\d+\) /, "");
  const sources = {};
  let icon = document.querySelector("link[rel=icon]");
  const plainIcon = icon ? icon.href : "";

  function drawIcon(total) {
    if (!icon) return;
    if (!total) { icon.href = plainIcon; return; }
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 64;
    const context = canvas.getContext("2d");
    context.fillStyle = "#0a5cad";
    context.beginPath(); context.arc(32, 32, 30, 0, 2 * Math.PI); context.fill();
    context.fillStyle = "#cf222e";
    context.beginPath(); context.arc(44, 20, 20, 0, 2 * Math.PI); context.fill();
    context.fillStyle = "#fff";
    context.font = "bold 26px sans-serif";
    context.textAlign = "center"; context.textBaseline = "middle";
    context.fillText(total > 99 ? "99" : String(total), 44, 21);
    icon.href = canvas.toDataURL("image/png");
  }
  window.vigieBadge = {
    set: function (source, n) {
      sources[source] = Math.max(0, Number(n) || 0);
      const total = Object.values(sources).reduce(function (a, b) { return a + b; }, 0);
      document.title = (total ? "(" + total + ") " : "") + baseTitle;
      document.documentElement.dataset.unread = String(total);
      drawIcon(total);
    },
  };

  const centre = document.getElementById("notifications");
  if (!centre) return;
  const count = document.getElementById("notification-count");
  const items = document.getElementById("notification-items");
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];

  function setUnread(n) {
    n = Math.max(0, n);
    count.textContent = String(n);
    count.hidden = n === 0;
    window.vigieBadge.set("notifications", n);
  }
  function unread() { return Number(count.textContent) || 0; }
  setUnread(unread());

  function load() {
    return fetch(centre.dataset.url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r); })
      .then(function (html) { items.innerHTML = html; });
  }
  function markRead(ids) {
    const body = new URLSearchParams(ids ? { ids: ids.join(",") } : {});
    return fetch(centre.dataset.url, { method: "POST", body: body, credentials: "same-origin",
                                       headers: { "X-CSRFToken": csrf, "HX-Request": "true" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
      .then(function (data) { setUnread(data.unread); });
  }

  centre.addEventListener("toggle", function () { if (centre.open) load(); });
  document.getElementById("notifications-read-all").addEventListener("click", function () {
    markRead(null).then(load);
  });
  items.addEventListener("click", function (event) {
    const item = event.target.closest("li.notification");
    if (!item || !item.classList.contains("unread")) return;
    const link = item.querySelector("a");
    event.preventDefault();
    // Read first, then follow the link: the count is right on the page it opens.
    markRead([item.dataset.id]).finally(function () { window.location = link.getAttribute("href"); });
  });

  document.addEventListener("vigie:live", function (event) {
    const data = event.detail;
    if (data.type === "notification") {
      setUnread(unread() + 1);
      if (centre.open) load();
    } else if (data.type === "notification.read") {
      setUnread(data.unread);
    }
  });
  // Missed while offline: the count is read again.
  document.addEventListener("vigie:caught-up", function () {
    fetch(centre.dataset.url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        const template = document.createElement("template");
        template.innerHTML = html;
        setUnread(template.content.querySelectorAll("li.notification.unread").length);
        if (centre.open) items.innerHTML = html;
      });
  });
})();
