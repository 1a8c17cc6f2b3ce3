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
      const label = element.dataset.localLabel || "";
      line.textContent = (label ? label + " (" + zone + "): " : zone + ": ") + format.format(moment);
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
