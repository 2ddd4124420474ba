// Click-to-sort for leaderboard tables; no libraries, nothing fetched.
// A table sorts its <tbody> groups (class "grouped": a model with its reported, reproduced and
// difference rows moves as one) or the rows of its single <tbody>. Each sortable unit carries its
// keys as data-k-<column> attributes, written by the report generator; empty keys sort last.
(function () {
  "use strict";
  function units(table) {
    if (table.classList.contains("grouped")) return Array.prototype.slice.call(table.tBodies);
    return Array.prototype.slice.call(table.tBodies[0].rows);
  }
  function sortBy(table, button) {
    var col = button.getAttribute("data-col");
    var text = button.getAttribute("data-type") === "text";
    var th = button.parentNode;
    var current = th.getAttribute("aria-sort");
    // Numbers sort best-first (descending) on the first click, names A-Z.
    var dir = current ? (current === "descending" ? "ascending" : "descending") : (text ? "ascending" : "descending");
    var sign = dir === "ascending" ? 1 : -1;
    var list = units(table);
    list.sort(function (a, b) {
      var x = a.getAttribute("data-k-" + col), y = b.getAttribute("data-k-" + col);
      var xe = x === null || x === "", ye = y === null || y === "";
      if (xe || ye) return xe === ye ? 0 : (xe ? 1 : -1);
      if (text) return sign * x.localeCompare(y);
      return sign * (parseFloat(x) - parseFloat(y));
    });
    var parent = table.classList.contains("grouped") ? table : table.tBodies[0];
    list.forEach(function (unit) { parent.appendChild(unit); });
    table.querySelectorAll("thead th[aria-sort]").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead button[data-col]").forEach(function (button) {
      button.addEventListener("click", function () { sortBy(table, button); });
    });
  });
})();
