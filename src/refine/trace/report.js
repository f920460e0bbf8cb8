// The HTML report's one script (html.py): selecting a step (click, or the arrow keys) shows
// every shared variable after it and marks its source line. The violating step, or the last
// one, is selected at load; body[data-rendered] turns "yes" once this has run without error.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("trace-data").textContent);
  const rows = Array.from(document.querySelectorAll("tr.step"));
  const table = document.getElementById("state-table");
  const label = document.getElementById("state-step");
  let current = null;

  function select(row) {
    if (current) {
      current.classList.remove("selected");
      const old = document.getElementById(current.dataset.src);
      if (old) old.classList.remove("current");
    }
    current = row;
    row.classList.add("selected");
    const k = Number(row.dataset.step);
    const now = data.states[k], before = data.states[k - 1] || {};
    label.textContent = String(k);
    table.replaceChildren();
    for (const name of data.vars) {
      const tr = document.createElement("tr");
      if (before[name] !== now[name]) tr.className = "changed";
      for (const text of [name, String(now[name])]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      }
      table.appendChild(tr);
    }
    const line = document.getElementById(row.dataset.src);
    if (line) line.classList.add("current");
  }

  for (const row of rows) {
    row.addEventListener("click", (e) => { if (e.target.tagName !== "A") select(row); });
  }
  document.addEventListener("keydown", (e) => {
    if (!current) return;
    const i = rows.indexOf(current) + (e.key === "ArrowDown" ? 1 : e.key === "ArrowUp" ? -1 : 0);
    if (i !== rows.indexOf(current) && rows[i]) { select(rows[i]); e.preventDefault(); }
  });
  const start = document.querySelector("tr.violating") || rows[rows.length - 1];
  if (start) select(start);
  document.body.dataset.rendered = "yes";
})();
