// The application form: live character counters, a copy of unsaved input kept in this
// browser (restored after an expired session or a page change), a return to the login
// page when an htmx request meets an expired session, and one click per submission.
(function () {
  "use strict";

  // Count characters as the server does: code points, a line break is one character.
  function countChars(text) {
    return Array.from(text.replace(/\r\n/g, "\n")).length;
  }

  function fill(template, values) {
    return Object.keys(values).reduce(
      (text, key) => text.split("%(" + key + ")s").join(String(values[key])),
      template,
    );
  }

  function updateCounter(field) {
    const counter = document.querySelector('[data-char-counter-for="' + field.id + '"]');
    const limit = parseInt(field.dataset.charLimit, 10);
    if (!counter || !limit) {
      return;
    }
    const count = countChars(field.value);
    const over = count > limit;
    const template = over ? counter.dataset.overTemplate : counter.dataset.template;
    counter.textContent = fill(template, { count: count, limit: limit, over: count - limit });
    counter.classList.toggle("text-danger", over);
    field.setAttribute("aria-describedby", counter.id);
    announceNearLimit(counter, limit - count, limit);
  }

  // Screen readers hear the count only near the limit (the last tenth, at least 20
  // characters), once per ten characters, and when the text goes over: never on every key.
  function announceNearLimit(counter, left, limit) {
    let live = counter.nextElementSibling;
    if (!live || !live.dataset.counterLive) {
      live = document.createElement("span");
      live.className = "visually-hidden";
      live.setAttribute("aria-live", "polite");
      live.dataset.counterLive = "1";
      counter.after(live);
    }
    const near = left <= Math.max(20, Math.round(limit / 10));
    const step = left < 0 ? "over" : near ? String(Math.ceil(left / 10)) : "";
    if (step !== (live.dataset.step || "")) {
      live.dataset.step = step;
      live.textContent = step ? counter.textContent : "";
    }
  }

  function setUpCounters() {
    document.querySelectorAll("textarea[data-char-limit]").forEach((field) => {
      updateCounter(field);
      if (field.dataset.counted === "1") {
        return;
      }
      field.dataset.counted = "1";
      field.addEventListener("input", () => updateCounter(field));
    });
  }

  // --- The local copy of the draft form ---------------------------------------------
  function draftFields(form) {
    return Array.from(form.elements).filter(
      (el) =>
        el.name &&
        el.name !== "csrfmiddlewaretoken" &&
        !["file", "submit", "button", "hidden"].includes(el.type),
    );
  }

  function snapshot(form) {
    const data = {};
    draftFields(form).forEach((el) => {
      if (el.type === "checkbox" || el.type === "radio") {
        data[el.name + "=" + el.value] = el.checked;
      } else if (el.type === "select-multiple") {
        data[el.name] = Array.from(el.selectedOptions).map((option) => option.value);
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function restore(form, data) {
    draftFields(form).forEach((el) => {
      if (el.type === "checkbox" || el.type === "radio") {
        const key = el.name + "=" + el.value;
        if (key in data) {
          el.checked = data[key];
        }
      } else if (el.type === "select-multiple") {
        if (el.name in data) {
          Array.from(el.options).forEach((o) => (o.selected = data[el.name].includes(o.value)));
        }
      } else if (el.name in data) {
        el.value = data[el.name];
      }
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  // The server strips the spaces around what it saves: a copy that differs only by them
  // holds nothing unsaved.
  function sameInput(one, other) {
    const tidy = (data) =>
      JSON.stringify(data, (key, value) =>
        typeof value === "string" ? value.replace(/\r\n/g, "\n").trim() : value,
      );
    return tidy(one) === tidy(other);
  }

  // When the copy was kept, written as the server writes times: "7 décembre 2026 à 18 h 37",
  // "7 December 2026, 18:37" (this browser's clock and zone: the reader's own moment).
  function keptAt(iso) {
    const moment = new Date(iso);
    const french = /^fr\b/i.test(document.documentElement.lang || "");
    const day = moment.toLocaleDateString(french ? "fr-FR" : "en-GB", {
      day: "numeric",
      month: "long",
      year: "numeric",
    });
    const minute = String(moment.getMinutes()).padStart(2, "0");
    if (!french) {
      return day + ", " + String(moment.getHours()).padStart(2, "0") + ":" + minute;
    }
    const minutes = minute === "00" ? "" : "\u00a0" + minute;
    return day + " à " + moment.getHours() + "\u00a0h" + minutes;
  }

  function setUpLocalCopy() {
    const form = document.querySelector("form[data-draft-key]");
    if (!form || !window.localStorage) {
      return;
    }
    const key = "aissai-draft:" + form.dataset.draftKey;
    const banner = document.getElementById("draft-restore");
    let stored = null;
    try {
      stored = JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (error) {
      stored = null;
    }
    if (stored && stored.data && !sameInput(stored.data, snapshot(form)) && banner) {
      const text = banner.querySelector("[data-restore-text]");
      text.textContent = fill(text.dataset.template, { time: keptAt(stored.savedAt) });
      banner.classList.remove("d-none");
      banner.querySelector("[data-restore]").addEventListener("click", () => {
        restore(form, stored.data);
        banner.classList.add("d-none");
      });
      banner.querySelector("[data-discard]").addEventListener("click", () => {
        window.localStorage.removeItem(key);
        banner.classList.add("d-none");
      });
    } else {
      window.localStorage.removeItem(key);
    }
    const keep = () => {
      try {
        window.localStorage.setItem(
          key,
          JSON.stringify({ savedAt: new Date().toISOString(), data: snapshot(form) }),
        );
      } catch (error) {
        // A full or disabled storage only loses the local copy; the server copy stays.
      }
    };
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
  }

  // Logging out on purpose forgets the local copies kept in this browser.
  function forgetCopiesOnLogout() {
    document.querySelectorAll('form[action*="logout"]').forEach((form) => {
      form.addEventListener("submit", () => {
        Object.keys(window.localStorage)
          .filter((key) => key.startsWith("aissai-draft:"))
          .forEach((key) => window.localStorage.removeItem(key));
      });
    });
  }

  // An htmx request answered by the login page: the session expired. Go and log in, then
  // come back here (the local copy keeps what was typed).
  function handleExpiredSession() {
    const form = document.querySelector("form[data-login-url]");
    if (!form) {
      return;
    }
    const loginUrl = form.dataset.loginUrl;
    document.body.addEventListener("htmx:beforeSwap", (event) => {
      const url = (event.detail.xhr && event.detail.xhr.responseURL) || "";
      if (url && new URL(url, window.location.href).pathname === loginUrl) {
        event.detail.shouldSwap = false;
        const next = window.location.pathname + window.location.search;
        window.location.assign(loginUrl + "?next=" + encodeURIComponent(next));
      }
    });
  }

  // A double click sends one request; the server also accepts only one submission.
  function submitOnce() {
    document.body.addEventListener("submit", (event) => {
      const form = event.target;
      if (!form.matches("form[data-submit-once]")) {
        return;
      }
      if (form.dataset.sent === "1") {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    setUpCounters();
    setUpLocalCopy();
    forgetCopiesOnLogout();
    handleExpiredSession();
    submitOnce();
  });
  // Counters inside fragments that htmx swapped in.
  document.addEventListener("htmx:afterSettle", setUpCounters);
})();
