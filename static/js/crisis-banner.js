// The crisis banner on every page: when a crisis is declared or closed anywhere in the organization,
// the banner is fetched again (the server renders it, in the page's language) and swapped in.
(function () {
  "use strict";
  const holder = document.getElementById("crisis-banner");
  if (!holder) return;

  function refresh() {
    fetch(holder.dataset.url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        const parsed = new DOMParser().parseFromString(html, "text/html").getElementById("crisis-banner");
        if (parsed) holder.replaceChildren(...parsed.childNodes);
      })
      .catch(function () { /* offline: the next page load shows the banner */ });
  }

  document.addEventListener("vigie:live", function (message) {
    const event = message.detail || {};
    if (event.type === "crisis.declared" || event.type === "crisis.closed") refresh();
  });
})();
