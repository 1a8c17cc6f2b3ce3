// Panel ranking board: drag and drop on top of the keyboard buttons, which work without it.
// After a drop the new order goes into the board form's hidden fields; staff save it (with
// a reason when the order puts an application above one with a higher score) or cancel.
(() => {
  const form = document.getElementById("board-form");
  const main = document.getElementById("main-list");
  const complementary = document.getElementById("complementary-list");
  const others = document.getElementById("others-list");
  if (!form || !main || !complementary || !others || typeof Sortable === "undefined") {
    return;
  }
  const panel = document.getElementById("order-panel");
  const against = document.getElementById("order-against");
  const reason = form.querySelector("textarea[name=reason]");

  const ids = (list) =>
    Array.from(list.querySelectorAll("li[data-application]")).map((li) => li.dataset.application);
  const rank = (id) => {
    const item = document.getElementById(`entry-${id}`);
    const value = item ? Number.parseInt(item.dataset.rank, 10) : Number.NaN;
    return Number.isNaN(value) ? Number.MAX_SAFE_INTEGER : value;
  };
  // The whole order as the server reads it: the lists, then the others in score order.
  const fullOrder = () => [
    ...ids(main),
    ...ids(complementary),
    ...ids(others).sort((a, b) => rank(a) - rank(b)),
  ];
  const before = fullOrder();

  const goesAgainstScores = (after) => {
    const was = new Map(before.map((id, index) => [id, index]));
    for (let i = 0; i < after.length; i += 1) {
      for (let j = i + 1; j < after.length; j += 1) {
        if (was.get(after[i]) > was.get(after[j]) && rank(after[i]) > rank(after[j])) {
          return true;
        }
      }
    }
    return false;
  };

  const dropped = (event) => {
    document.getElementById("main-order").value = ids(main).join(",");
    document.getElementById("complementary-order").value = ids(complementary).join(",");
    document.getElementById("moved").value = event.item.dataset.application || "";
    const bad = goesAgainstScores(fullOrder());
    panel.classList.remove("d-none");
    against.classList.toggle("d-none", !bad);
    reason.required = bad;
    reason.focus();
  };

  for (const list of [main, complementary, others]) {
    Sortable.create(list, {
      group: "ranking",
      handle: ".drag-handle",
      draggable: "li[data-application]",
      filter: ".empty-item",
      ghostClass: "opacity-50",
      animation: 150,
      onEnd: dropped,
    });
  }
})();
