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

  // The same form as the server's Paris time (aissai/formatting.py, long_datetime):
  // "28 décembre 2026 à 6 h", "à 6 h 30"; in English "28 December 2026, 06:00".
  function formatter(zone, language) {
    const french = /^fr\b/i.test(language || "");
    const day = new Intl.DateTimeFormat(french ? "fr-FR" : "en-GB", {
      day: "numeric",
      month: "long",
      year: "numeric",
      timeZone: zone,
    });
    const clock = new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZone: zone,
    });
    return function (moment) {
      const parts = {};
      clock.formatToParts(moment).forEach((part) => (parts[part.type] = part.value));
      if (!french) {
        return day.format(moment) + ", " + parts.hour + ":" + parts.minute;
      }
      const minutes = parts.minute === "00" ? "" : "\u00a0" + parts.minute;
      return day.format(moment) + " à " + parseInt(parts.hour, 10) + "\u00a0h" + minutes;
    };
  }

  function render() {
    const zone = localZone();
    if (!zone || zone === "Europe/Paris") {
      return;
    }
    const language = document.documentElement.lang || undefined;
    const format = formatter(zone, language);
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
      line.textContent = prefix(element.dataset.localLabel, zone, language) + " " + format(moment);
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
