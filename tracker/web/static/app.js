// Small conveniences only: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Select all the articles on this page of the queue.
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", () => {
      document.querySelectorAll("input.pick").forEach((box) => { box.checked = all.checked; });
    });
  }
  // Bulk actions: say how many articles will change before doing it.
  const bulk = document.getElementById("bulk");
  if (bulk) {
    bulk.addEventListener("submit", (event) => {
      const scope = bulk.querySelector("input[name=scope]:checked").value;
      const picked = document.querySelectorAll("input.pick:checked").length;
      const total = bulk.querySelector("input[name=scope][value=all]").parentElement.textContent.match(/\d+/);
      const n = scope === "all" ? (total ? total[0] : "全部") : picked;
      const action = bulk.querySelector("select[name=action]");
      if (scope === "selected" && picked === 0) {
        event.preventDefault();
        window.alert("请先勾选文章，或选择“筛选出的全部”。");
        return;
      }
      if (!window.confirm(`对 ${n} 篇文章执行“${action.options[action.selectedIndex].text}”？`)) {
        event.preventDefault();
      }
    });
  }
  // Entry form: offer only the units the chosen clause may be credited to.
  const kind = document.getElementById("entry-kind");
  const unit = document.getElementById("entry-unit");
  if (kind && unit) {
    const filter = () => {
      const option = kind.options[kind.selectedIndex];
      const kinds = (option && option.dataset.kinds || "").split(" ").filter(Boolean);
      Array.from(unit.options).forEach((o) => {
        const allowed = !o.value || kinds.length === 0 || kinds.includes(o.dataset.kind);
        o.hidden = !allowed;
        o.disabled = !allowed;
      });
      if (unit.selectedOptions[0] && unit.selectedOptions[0].disabled) { unit.value = ""; }
    };
    kind.addEventListener("change", filter);
    filter();
  }
});
