// The conversation view: live thread, presence and typing, and the composer's guards.
(function () {
  "use strict";
  const page = document.getElementById("conversation");
  if (!page) return;
  const inbox = window.vigieInbox;
  const _ = window.gettext, format = window.interpolate;
  const conversationId = Number(page.dataset.conversationId);
  const me = Number(page.dataset.me);

  // --- live refresh ------------------------------------------------------------------------------
  function refresh(part, url) {
    return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r); })
      .then(function (html) {
        const target = document.getElementById(part);
        target.innerHTML = html;
        if (window.htmx) window.htmx.process(target);
        inbox.tickSla();
      });
  }
  // The activity list only: the rest of the side panel holds a form someone may be typing in.
  function refreshActivity() {
    return fetch(page.dataset.sideUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r); })
      .then(function (html) {
        const template = document.createElement("template");
        template.innerHTML = html;
        const fresh = template.content.getElementById("activity");
        const current = document.getElementById("activity");
        if (fresh && current) current.replaceWith(fresh);
      });
  }
  function refreshAll() {
    refresh("thread", page.dataset.threadUrl);
    refresh("conversation-header", page.dataset.headerUrl);
    refreshActivity();
  }
  document.body.addEventListener("vigie:thread-changed", function () { refresh("thread", page.dataset.threadUrl); });
  document.addEventListener("vigie:acted", function () { refresh("conversation-header", page.dataset.headerUrl); refreshActivity(); });
  document.addEventListener("vigie:caught-up", refreshAll);
  document.addEventListener("vigie:live", function (event) {
    const data = event.detail;
    if (data.type === "presence" && data.conversation_id === conversationId) return showPresence(data.people);
    const ids = data.conversation_ids || (data.conversation_id ? [data.conversation_id] : []);
    if (ids.indexOf(conversationId) !== -1) refreshAll();
  });

  // --- retrying a failed reply: its progress (queued, sending) and outcome arrive live ----------
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    const button = event.target.closest && event.target.closest("[data-retry]");
    if (!button) return;
    button.textContent = _("Retrying…");
    button.setAttribute("aria-busy", "true");
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    const button = event.target.closest && event.target.closest("[data-retry]");
    if (!button) return;
    button.removeAttribute("aria-busy");
    button.textContent = _("Retry");
    const refusal = document.createElement("span");
    refusal.className = "error";
    refusal.textContent = event.detail.xhr.responseText;
    button.after(refusal);
  });

  // --- presence -----------------------------------------------------------------------------------
  document.addEventListener("vigie:open", function () {
    window.vigieLive.send({ type: "conversation.join", conversation_id: conversationId });
  });
  const presence = document.getElementById("presence");
  const warning = document.getElementById("typing-warning");
  function showPresence(people) {
    const others = people.filter(function (p) { return p.user_id !== me; });
    presence.innerHTML = "";
    if (others.length) {
      const label = document.createElement("span");
      label.className = "muted";
      label.textContent = _("Also here: ");
      presence.appendChild(label);
    }
    others.forEach(function (person) {
      const badge = document.createElement("span");
      badge.className = "avatar presence-avatar" + (person.typing ? " typing" : "");
      badge.title = person.typing ? format(_("%s is writing a reply"), [person.name]) : person.name;
      badge.textContent = person.initials;
      badge.dataset.name = person.name;
      presence.appendChild(badge);
    });
    const typing = others.filter(function (p) { return p.typing; }).map(function (p) { return p.name; });
    if (warning) {
      warning.hidden = !typing.length;
      warning.textContent = typing.length ? format(_("%s is replying right now: coordinate before you send."), [typing.join(", ")]) : "";
    }
  }

  // --- composer --------------------------------------------------------------------------------------
  const form = document.getElementById("composer");
  if (form) setUpComposer(form);

  function setUpComposer(form) {
    const text = document.getElementById("reply-text");
    const channel = document.getElementById("reply-channel");
    const count = document.getElementById("reply-count");
    const send = document.getElementById("send-reply");
    const error = document.getElementById("reply-error");
    const draftState = document.getElementById("draft-state");
    const notice = document.getElementById("reply-notice");
    const seen = document.getElementById("seen-up-to");
    const homeChannel = form.dataset.homeChannel;
    let previousChannel = channel.value;
    let typingSentAt = 0, typingTimer = null, draftTimer = null;

    function option() { return channel.options[channel.selectedIndex]; }
    function updateIdentity() {
      const chosen = option();
      document.getElementById("identity-handle").textContent = chosen.dataset.handle;
      document.getElementById("identity-platform").textContent = chosen.dataset.platform;
      send.textContent = send.dataset.labelTemplate.replace("%(handle)s", chosen.dataset.handle).replace("%(platform)s", chosen.dataset.platform);
      form.classList.toggle("other-channel", channel.value !== homeChannel);
      // Said before anyone writes: a paused or disconnected account would fail the reply.
      const channelWarning = document.getElementById("channel-warning");
      if (channelWarning) {
        channelWarning.textContent = chosen.dataset.warning || "";
        channelWarning.hidden = !chosen.dataset.warning;
      }
    }
    function updateCount() {
      const limit = Number(option().dataset.limit || 0);
      const length = text.value.trim().length;
      if (limit) {
        const left = limit - length;
        count.textContent = format(_("%s characters left"), [left]);
        count.classList.toggle("over", left < 0);
        send.disabled = left < 0 || !length;
      } else {
        count.textContent = "";
        send.disabled = !length;
      }
    }
    updateIdentity();
    updateCount();

    channel.addEventListener("change", function () {
      if (channel.value === homeChannel) {
        form.confirm_other_channel.value = "0";
        previousChannel = channel.value;
        updateIdentity(); updateCount();
        return;
      }
      const dialog = document.getElementById("confirm-channel");
      const paragraph = document.getElementById("confirm-channel-text");
      paragraph.textContent = paragraph.dataset.template.replace("%(chosen)s", option().dataset.handle);
      dialog.addEventListener("close", function done() {
        dialog.removeEventListener("close", done);
        if (dialog.returnValue === "confirm") {
          form.confirm_other_channel.value = "1";
          previousChannel = channel.value;
        } else {
          channel.value = previousChannel;
        }
        updateIdentity(); updateCount();
      });
      dialog.showModal();
    });

    function signalTyping(active) {
      window.vigieLive.send({ type: "typing", typing: active });
      typingSentAt = active ? Date.now() : 0;
    }
    text.addEventListener("input", function () {
      if (text.value.trim() && !form.dataset.started) {
        // What the writer has seen when they start: a reply sent after this asks them to confirm.
        form.dataset.started = "1";
        const thread = document.querySelector(".thread-inner");
        if (thread) seen.value = thread.dataset.lastMessageId;
      }
      if (!text.value.trim()) delete form.dataset.started;
      if (notice) notice.hidden = true;
      updateCount();
      if (Date.now() - typingSentAt > 4000) signalTyping(true);
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { signalTyping(false); }, 8000);
      clearTimeout(draftTimer);
      draftTimer = setTimeout(saveDraft, 800);
    });
    text.addEventListener("blur", function () { if (typingSentAt) signalTyping(false); });

    function saveDraft() {
      inbox.post(form.dataset.draftUrl, { text: text.value, channel: channel.value }).then(function (response) {
        draftState.textContent = response.ok ? _("Draft saved") : "";
      });
    }

    function submit() {
      error.hidden = true;
      send.disabled = true;
      const data = new URLSearchParams(new FormData(form));
      return fetch(form.action, { method: "POST", body: data, credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (response) {
          if (response.status === 204 || response.status === 202) {
            clearTimeout(draftTimer);  // what was typed is sent (or with an approver): no draft to keep
            notice.hidden = response.status !== 202;
            if (response.status === 202) {
              response.json().then(function (held) {
                notice.textContent = held.detail;
                document.dispatchEvent(new CustomEvent("vigie:reply-held", { detail: held }));
              });
            }
            ["reply-template", "reply-guide-version", "reply-override-reason"].forEach(function (id) {
              const field = document.getElementById(id);
              if (field) field.value = "";
            });
            text.value = "";
            delete form.dataset.started;
            form.confirm_after_other_reply.value = "0";
            draftState.textContent = "";
            signalTyping(false);
            updateCount();
            return refresh("thread", page.dataset.threadUrl);
          }
          if (response.status === 409) return response.json().then(confirmThen);
          if (response.status === 422) {
            // The response guides block this reply: say why, and show where (guides.js underlines).
            return response.json().then(function (blocked) {
              error.textContent = blocked.detail;
              error.hidden = false;
              document.dispatchEvent(new CustomEvent("vigie:lint-findings", { detail: blocked.findings }));
              updateCount();
            });
          }
          return response.text().then(function (message) {
            error.textContent = message || _("Sending failed.");
            error.hidden = false;
            updateCount();
          });
        })
        .catch(function () {
          error.textContent = _("No connection: your reply is kept here, try again.");
          error.hidden = false;
          updateCount();
        });
    }

    function confirmThen(question) {
      if (question.code === "guide_warnings") return askOverride(question);
      if (question.code === "other_channel") {
        channel.dispatchEvent(new Event("change"));
        updateCount();
        return;
      }
      const dialog = document.getElementById("confirm-meanwhile");
      document.getElementById("confirm-meanwhile-text").textContent = question.detail;
      document.getElementById("confirm-meanwhile-reply").textContent = question.details.text || "";
      refresh("thread", page.dataset.threadUrl);
      dialog.addEventListener("close", function done() {
        dialog.removeEventListener("close", done);
        if (dialog.returnValue === "send") {
          form.confirm_after_other_reply.value = "1";
          submit();
        } else {
          updateCount();
        }
      });
      dialog.showModal();
    }

    function askOverride(question) {
      // Warnings can be overridden with a reason, which is recorded with the reply.
      const dialog = document.getElementById("override-warnings");
      const list = document.getElementById("override-warnings-list");
      const reason = document.getElementById("override-warnings-reason");
      list.innerHTML = "";
      question.details.findings.forEach(function (finding) {
        const item = document.createElement("li");
        item.textContent = finding.message + (finding.suggestion ? " " + finding.suggestion : "");
        list.appendChild(item);
      });
      reason.value = "";
      dialog.addEventListener("close", function done() {
        dialog.removeEventListener("close", done);
        if (dialog.returnValue === "send" && reason.value.trim()) {
          form.override_reason.value = reason.value.trim();
          submit();
        } else {
          updateCount();
        }
      });
      dialog.showModal();
    }

    form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });
    text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); if (!send.disabled) submit(); }
    });
    if (location.hash === "#reply") text.focus();
  }

  // --- keyboard ---------------------------------------------------------------------------------------
  page.addEventListener("click", function (event) {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    const map = { "snooze": "s", "tag": "t", "assign-me": "a", "close": "e" };
    inbox.actOn(page.dataset.actUrl, map[button.dataset.action]);
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (inbox.typingInField(event)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (document.querySelector("dialog[open]")) return;
    const key = event.key;
    if (key === "Escape") { window.location = page.dataset.inboxUrl; }
    else if (key === "r") { const text = document.getElementById("reply-text"); if (text) { event.preventDefault(); text.focus(); } }
    else if ("aest".includes(key) && key.length === 1 && document.querySelector(".controls")) { event.preventDefault(); inbox.actOn(page.dataset.actUrl, key); }
  });
})();
