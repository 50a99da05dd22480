// The response guides beside the composer: suggested scenarios and templates, do / don't and
// sources, a type-to-filter template picker (Ctrl+/), and the linter as the agent types.
(function () {
  "use strict";
  const panel = document.getElementById("guide-panel");
  const form = document.getElementById("composer");
  if (!panel || !form) return;
  const _ = window.gettext;
  const text = document.getElementById("reply-text");
  const channel = document.getElementById("reply-channel");
  const findingsList = document.getElementById("lint-findings");
  const conversationId = Number(document.getElementById("conversation").dataset.conversationId);
  let lintTimer = null, lintSeq = 0;

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function loadPanel() {
    return fetch(panel.dataset.url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r); })
      .then(function (html) { panel.innerHTML = html; if (window.htmx) window.htmx.process(panel); });
  }

  function insert(button) {
    text.value = button.dataset.filled;
    form.template.value = button.dataset.key;
    form.guide_version.value = button.dataset.version;
    text.dispatchEvent(new Event("input", { bubbles: true }));
    text.focus();
  }
  panel.addEventListener("click", function (event) {
    const button = event.target.closest(".insert-template");
    if (button) { event.preventDefault(); insert(button); }
    if (event.target.closest("#open-template-picker")) { event.preventDefault(); openPicker(); }
  });

  // --- template picker ---------------------------------------------------------------------------
  function templates() {
    const holder = document.getElementById("guide-templates");
    try { return holder ? JSON.parse(holder.dataset.templates) : []; } catch (e) { return []; }
  }
  function openPicker() {
    const dialog = document.getElementById("template-picker");
    if (!dialog) return;
    const filter = document.getElementById("template-filter");
    const list = document.getElementById("template-options");
    const all = templates();
    function render() {
      const words = filter.value.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").split(/\s+/).filter(Boolean);
      list.innerHTML = "";
      all.filter(function (t) {
        const hay = (t.label + " " + t.scenario + " " + t.language + " " + t.filled).toLowerCase()
          .normalize("NFD").replace(/[\u0300-\u036f]/g, "");
        return words.every(function (w) { return hay.indexOf(w) !== -1; });
      }).forEach(function (t, index) {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "insert-template picker-option";
        button.dataset.key = t.key; button.dataset.version = t.guide_version; button.dataset.filled = t.filled;
        button.textContent = t.scenario + " · " + t.label + " (" + t.language + ")";
        if (index === 0) button.classList.add("first");
        item.appendChild(button);
        list.appendChild(item);
      });
    }
    filter.value = "";
    render();
    filter.oninput = render;
    filter.onkeydown = function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        const first = list.querySelector(".picker-option");
        if (first) { dialog.close(); insert(first); }
      }
    };
    list.onclick = function (event) {
      const option = event.target.closest(".picker-option");
      if (option) { dialog.close(); insert(option); }
    };
    dialog.showModal();
    filter.focus();
  }
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "/") { event.preventDefault(); openPicker(); }
  });

  // --- linter as you type ------------------------------------------------------------------------
  function visibility() {
    const checked = form.querySelector("input[name=visibility]:checked");
    return checked ? checked.value : "public";
  }
  function showFindings(findings) {
    findingsList.innerHTML = "";
    findings.forEach(function (finding) {
      const item = document.createElement("li");
      item.className = "finding finding-" + finding.severity;
      item.dataset.rule = finding.rule;
      const strong = document.createElement("strong");
      strong.textContent = (finding.severity === "block" ? _("Blocked: ") : _("Warning: ")) + finding.message;
      item.appendChild(strong);
      if (finding.suggestion) {
        const hint = document.createElement("span");
        hint.className = "finding-suggestion";
        hint.textContent = " " + finding.suggestion;
        item.appendChild(hint);
      }
      const excerpt = text.value.slice(finding.start, finding.end);
      if (excerpt && finding.end - finding.start < 80) {
        const mark = document.createElement("mark");
        mark.textContent = excerpt;
        item.appendChild(document.createTextNode(" "));
        item.appendChild(mark);
      }
      findingsList.appendChild(item);
    });
    form.classList.toggle("has-blocking-finding", findings.some(function (f) { return f.severity === "block"; }));
  }
  function lint() {
    const seq = ++lintSeq;
    const url = panel.dataset.lintUrl;
    if (!url) return;
    if (!text.value.trim()) { showFindings([]); return; }
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ text: text.value, channel: Number(channel.value), visibility: visibility(),
                             conversation: conversationId }),
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (answer) {
      if (answer && seq === lintSeq) showFindings(answer.findings);  // only the latest keystroke's answer
    }).catch(function () { /* offline: the server lints again on send */ });
  }
  function scheduleLint() { clearTimeout(lintTimer); lintTimer = setTimeout(lint, 350); }
  text.addEventListener("input", function () {
    if (form.template.value && !text.value.trim()) { form.template.value = ""; form.guide_version.value = ""; }
    scheduleLint();
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "visibility" || event.target === channel) scheduleLint();
  });
  document.addEventListener("vigie:lint-findings", function (event) { showFindings(event.detail || []); });
  document.addEventListener("vigie:reply-held", loadPanel);
  document.addEventListener("vigie:live", function (event) {
    const data = event.detail;
    if (String(data.type).indexOf("approval.") === 0 && data.conversation_id === conversationId) loadPanel();
  });

  loadPanel().then(function () {
    const holder = document.getElementById("guide-templates");
    if (holder) panel.dataset.lintUrl = holder.dataset.lintUrl;
    if (text.value.trim()) scheduleLint();
  });
})();
