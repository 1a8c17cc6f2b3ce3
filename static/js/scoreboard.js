// Shortlist page: keep the count of ticked applications up to date as staff tick and untick.
(() => {
  const form = document.getElementById("shortlist-form");
  const count = document.getElementById("shortlist-count");
  if (!form || !count) {
    return;
  }
  const update = () => {
    // The page gives the phrase for none, one and several (French and English agree).
    const n = form.querySelectorAll("input[name=shortlisted]:checked").length;
    const phrase = n === 0 ? count.dataset.none : n === 1 ? count.dataset.one : count.dataset.many;
    count.textContent = phrase.replace("{n}", n);
  };
  form.addEventListener("change", update);
  update();
})();
