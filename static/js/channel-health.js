// Channels in trouble, live on every page of an organization: the banner under the header (the
// server renders it, in the reader's language) and the marks beside each channel in the inbox's
// sidebar follow the `channel.health` events; after a reconnection the banner is reloaded, since
// events may have been missed meanwhile.
(function () {
  "use strict";
  const banner = document.getElementById("channel-health");
  if (!banner) return;
  const labels = {
    degraded: window.gettext("Degraded"),
    rate_limited: window.gettext("Rate-limited"),
    needs_reconnect: window.gettext("Needs reconnect"),
    disabled: window.gettext("Paused"),
  };
  const RECOVERY_NOTICE_MS = 15000;

  function reload() {
    return fetch(banner.dataset.url, { credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.text() : Promise.reject(answer.status); })
      .then(function (html) { banner.innerHTML = html.trim(); })
      .catch(function () { /* the next event or reconnection tries again */ });
  }

  function mark(event) {
    const healthy = event.status === "healthy";
    document.querySelectorAll('[data-channel-health="' + event.channel_id + '"]').forEach(function (element) {
      element.hidden = healthy;
      element.className = "health health-" + event.status;
      element.textContent = healthy ? "" : (labels[event.status] || event.status);
      element.title = healthy ? "" : (event.reason || "");
    });
  }

  function recovered(event) {
    const notice = document.createElement("p");
    notice.className = "channel-alert channel-alert-healthy";
    notice.textContent = window.interpolate(
      window.gettext("%(channel)s is working again: what was missed is arriving."),
      { channel: event.platform + " " + event.handle }, true);
    banner.appendChild(notice);
    setTimeout(function () { notice.remove(); }, RECOVERY_NOTICE_MS);
  }

  document.addEventListener("vigie:live", function (live) {
    const event = live.detail;
    if (!event || event.type !== "channel.health") return;
    mark(event);
    // "Working again" only for a channel the banner was warning about (not a channel just connected).
    const wasWarned = banner.querySelector('[data-channel-id="' + event.channel_id + '"]') !== null;
    reload().then(function () { if (event.status === "healthy" && wasWarned) recovered(event); });
  });
  document.addEventListener("vigie:caught-up", reload);
})();
