// Assignment proposal page: while the proposal is computed, poll its status every
// 1.5 seconds and move the progress bar; reload the page once it is done (or failed).
(() => {
  const box = document.getElementById("proposal-progress");
  if (!box || !box.dataset.statusUrl) {
    return;
  }
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-progress-text]");
  const stage = box.querySelector("[data-progress-stage]");
  const delay = 1500;
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        const data = await response.json();
        bar.value = data.progress;
        bar.textContent = `${data.progress} %`;
        text.textContent = `${data.progress} %`;
        stage.textContent = data.stage || data.status_label;
        if (!data.pending) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // The network hiccuped: try again at the next tick.
    }
    window.setTimeout(poll, delay);
  };
  window.setTimeout(poll, delay);
})();
