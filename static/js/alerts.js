// Alerts on every page: the banner follows the organization's alerts live, and a page addressed
// to this person rings (a short tone) and raises a browser notification when the tab is hidden.
(function () {
  "use strict";
  const banner = document.getElementById("alert-banner");
  if (!banner) return;
  const title = document.getElementById("alert-banner-title");
  const count = banner.querySelector("strong");

  function beep() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      const audio = new Context();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.15;
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.6);
    } catch (e) { /* a browser that refuses sound still shows the banner */ }
  }

  function browserNotification(event) {
    if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) return;
    const shown = new Notification(window.gettext("You are paged"), { body: event.title, tag: "vigie-alert-" + event.alert_id });
    shown.onclick = function () { window.focus(); location.href = event.url; };
  }

  function show(event, paged) {
    const link = document.createElement("a");
    link.href = event.url || banner.dataset.alertsUrl;
    link.textContent = event.title;
    title.replaceChildren(link);
    if (paged) {
      const strong = document.createElement("strong");
      strong.textContent = " · " + window.gettext("You are paged");
      strong.dataset.testid = "paged";
      title.appendChild(strong);
    }
    banner.hidden = false;
    banner.dataset.state = paged ? "paged" : "open";
  }

  document.addEventListener("vigie:live", function (message) {
    const event = message.detail || {};
    if (event.type === "alert.page") {
      show(event, true);
      beep();
      browserNotification(event);
    } else if (event.type === "alert.triggered") {
      show(event, false);
      count.textContent = window.gettext("New alert");
    } else if (event.type === "alert.acknowledged" || event.type === "alert.resolved") {
      if (banner.dataset.state === "paged") banner.dataset.state = "open";
      const status = document.createElement("span");
      status.textContent = " · " + (event.type === "alert.resolved" ? window.gettext("resolved") : window.gettext("acknowledged"));
      title.appendChild(status);
    }
  });

  const allow = document.getElementById("enable-browser-notifications");
  if (allow && "Notification" in window) {
    allow.addEventListener("click", function () { Notification.requestPermission(); });
  }
})();
