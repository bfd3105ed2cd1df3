/* Progressive enhancement only: the pages work without it (default measure, unsorted tables). */
(function () {
  "use strict";

  function initMap(block) {
    var id = block.getAttribute("data-map");
    var dataEl = document.getElementById(id + "-data");
    var select = document.getElementById(id + "-measure");
    if (!dataEl || !select) return;
    var data = JSON.parse(dataEl.textContent);
    var paths = block.querySelectorAll("path.area");
    function apply(key) {
      var m = data.measures[key];
      if (!m) return;
      for (var i = 0; i < paths.length; i++) {
        var c = m.c.charAt(i);
        var p = paths[i];
        p.setAttribute("fill", c === "-" || c === "" ? data.missing : m.colors[+c]);
        var label = data.names[i] + ": " + m.v[i];
        var title = p.querySelector("title");
        if (title) title.textContent = label;
        if (p.parentNode && p.parentNode.tagName.toLowerCase() === "a") {
          p.parentNode.setAttribute("aria-label", label);
        }
      }
      var infos = block.querySelectorAll(".measure-info");
      for (var j = 0; j < infos.length; j++) {
        var shown = infos[j].getAttribute("data-measure") === key;
        infos[j].hidden = !shown;
        if (shown && announce) {
          var summary = infos[j].querySelector(".summary");
          if (summary) status.textContent = summary.textContent;
        }
      }
    }
    var status = document.getElementById(id + "-status");
    var announce = false;
    select.addEventListener("change", function () { announce = !!status; apply(select.value); });
    // Draw the focused area's outline on top of its neighbours (SVG has no z-index).
    var ring = block.querySelector("use.focus-ring");
    if (ring) {
      block.addEventListener("focusin", function (e) {
        var link = e.target.closest ? e.target.closest("a.area-link") : null;
        var path = link ? link.querySelector("path.area") : null;
        ring.setAttribute("href", path ? "#" + path.id : "#");
      });
      block.addEventListener("focusout", function () { ring.setAttribute("href", "#"); });
    }
    block.querySelector(".picker").hidden = false;
  }

  function initSort(tableEl) {
    var buttons = tableEl.querySelectorAll("thead th button");
    Array.prototype.forEach.call(buttons, function (btn) {
      btn.addEventListener("click", function () {
        var th = btn.parentNode;
        var col = +btn.getAttribute("data-col");
        var numeric = btn.hasAttribute("data-numeric");
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(tableEl.querySelectorAll("thead th"), function (h) {
          h.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = tableEl.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var ca = a.cells[col], cb = b.cells[col];
          var va = ca.getAttribute("data-sort"), vb = cb.getAttribute("data-sort");
          var r;
          if (numeric) {
            var na = va === null || va === "" ? -Infinity : +va;
            var nb = vb === null || vb === "" ? -Infinity : +vb;
            r = na - nb;
          } else {
            r = (ca.textContent || "").localeCompare(cb.textContent || "", document.documentElement.lang);
          }
          return asc ? r : -r;
        });
        var frag = document.createDocumentFragment();
        rows.forEach(function (row) { frag.appendChild(row); });
        body.appendChild(frag);
      });
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), initMap);
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), initSort);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
