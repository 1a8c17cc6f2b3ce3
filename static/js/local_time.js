// Show each <time datetime="..." data-local-time> also in the viewer's own time zone.
// The server already prints the time in Europe/Paris; this only adds a line.
(function () {
  "use strict";

  function localZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  // The server sends a translated label such as "In your time zone ({zone}):", with the
  // colon spaced as the page's language wants it (French puts a non-breaking space before).
  function prefix(label, zone, language) {
    if (label && label.indexOf("{zone}") !== -1) {
      return label.replace("{zone}", zone);
    }
    const colon = /^fr\b/i.test(language || "") ? "\u00a0:" : ":";
    return (label ? label + " (" + zone + ")" : zone) + colon;
  }

  function render() {
    const zone = localZone();
    if (!zone || zone === "Europe/Paris") {
      return;
    }
    const language = document.documentElement.lang || undefined;
    const format = new Intl.DateTimeFormat(language, {
      dateStyle: "long",
      timeStyle: "short",
      timeZone: zone,
    });
    document.querySelectorAll("time[data-local-time]").forEach(function (element) {
      if (element.dataset.localTimeDone) {
        return;
      }
      const moment = new Date(element.getAttribute("datetime"));
      if (Number.isNaN(moment.getTime())) {
        return;
      }
      const line = document.createElement("span");
      line.className = "d-block small text-body-secondary local-time";
      line.textContent = prefix(element.dataset.localLabel, zone, language) + " " + format.format(moment);
      const after = element.nextElementSibling;
      (after || element).after(line);
      element.dataset.localTimeDone = "1";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
