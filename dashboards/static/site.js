/* Community wellbeing in Wales: maps (Leaflet, our own boundaries, no tiles), sortable and
   filterable tables, search by postcode or name, and the compare view. Everything is loaded
   with <script> tags so the site also works when opened from disk (file://). The pages work
   without this script: tables, summaries and keys hold every figure. */
(function () {
  "use strict";

  var ROOT = document.body.getAttribute("data-root") || "../";
  var HERE = document.body.getAttribute("data-here") || "";
  var LANG = document.documentElement.lang;

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function fold(s) {
    return (s || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  function loadScript(src, done, failed) {
    var s = document.createElement("script");
    s.src = src;
    s.onload = done;
    s.onerror = failed || done;
    document.head.appendChild(s);
  }

  // The number format the build states for each measure (decimals, prefix, suffix, separators).
  function fmt(v, f, noData) {
    if (v === null || v === undefined) return noData;
    var s = Math.abs(v).toFixed(f.d);
    var parts = s.split(".");
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, f.g);
    s = parts.join(f.x);
    if (v < 0 && /[1-9]/.test(s)) return "\u2212" + f.p + s + f.s;
    return f.p + s + f.s;
  }

  function hashParams() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      if (!kv) return;
      var i = kv.indexOf("=");
      out[decodeURIComponent(i < 0 ? kv : kv.slice(0, i))] = i < 0 ? "" : decodeURIComponent(kv.slice(i + 1));
    });
    return out;
  }

  function setHash(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      if (params[k] !== undefined && params[k] !== "") parts.push(k + "=" + encodeURIComponent(params[k]).replace(/%2C/g, ","));
    });
    location.replace("#" + parts.join("&"));
    // switching language keeps the view
    each(document.querySelectorAll("a.lang-switch"), function (a) {
      a.href = a.href.split("#")[0] + location.hash;
    });
  }

  // ------------------------------------------------------------------------------------------
  // maps

  function decode(geo) {
    var scale = geo.scale, features = [];
    for (var i = 0; i < geo.codes.length; i++) {
      var polys = geo.shapes[i].map(function (poly) {
        return poly.map(function (ring) {
          var out = [], x = 0, y = 0;
          for (var j = 0; j < ring.length; j += 2) {
            x += ring[j]; y += ring[j + 1];
            out.push([x / scale, y / scale]);
          }
          return out;
        });
      });
      features.push({type: "Feature", properties: {i: i}, geometry: {type: "MultiPolygon", coordinates: polys}});
    }
    return features;
  }

  function initMap(block) {
    var id = block.getAttribute("data-map");
    var el = document.getElementById(id);
    var config = JSON.parse(document.getElementById(id + "-data").textContent);
    var data = window.WBMAP && window.WBMAP[config.data];
    var select = document.getElementById(id + "-measure");
    var status = document.getElementById(id + "-status");
    if (!window.L || !data || !el) return;
    var geo = window.WBGEO && window.WBGEO[data.geo];
    if (!geo) return;
    data.text = config.text;
    data.highlight = config.highlight;
    var index = {};
    geo.codes.forEach(function (c, i) { index[c] = i; });
    // map order (the page's areas) -> geometry order
    var geoIndex = data.codes.map(function (c) { return index[c]; });
    var features = decode(geo);
    var byGeo = {};
    data.codes.forEach(function (c, i) { byGeo[index[c]] = i; });
    var many = data.codes.length > 300;
    var map = L.map(el, {
      zoomSnap: 0.25, zoomDelta: 0.5, scrollWheelZoom: false, zoomControl: false,
      keyboard: true, attributionControl: true, preferCanvas: false, renderer: L.svg({padding: 0.3})
    });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(data.text.attribution || "");
    L.control.zoom({zoomInTitle: data.text.zoomIn, zoomOutTitle: data.text.zoomOut}).addTo(map);
    var Reset = L.Control.extend({
      onAdd: function () {
        var b = L.DomUtil.create("button", "map-reset");
        b.type = "button";
        b.textContent = "\u2922";
        b.title = data.text.reset;
        b.setAttribute("aria-label", data.text.reset);
        L.DomEvent.disableClickPropagation(b);
        L.DomEvent.on(b, "click", function () { map.fitBounds(data.bounds); });
        return b;
      }
    });
    new Reset({position: "topleft"}).addTo(map);
    el.setAttribute("aria-label", data.text.label);
    var current = null, layers = [];
    function label(i) {
      var m = data.measures[current];
      return data.names[i] + ": " + m.t + ": " + fmt(m.v[i], m.f, data.noData);
    }
    function fill(i) {
      var c = data.measures[current].c.charAt(i);
      return c === "-" || c === "" ? data.missing : data.measures[current].k[+c];
    }
    var layer = L.geoJSON(data.codes.map(function (c) { return features[index[c]]; }), {
      style: function () { return {color: "#ffffff", weight: many ? 0.3 : 0.8, fillOpacity: 1, opacity: 1}; },
      onEachFeature: function (f, lyr) {
        var i = byGeo[f.properties.i];
        lyr._wbIndex = i;
        layers[i] = lyr;
        lyr.bindTooltip("", {sticky: true, direction: "top", className: "map-tooltip"});
        if (data.hrefs) lyr.on("click", function () { location.href = HERE + data.hrefs[i]; });
      }
    }).addTo(map);
    var ring = null;
    if (data.highlight && index[data.highlight] !== undefined) {
      ring = L.geoJSON(features[index[data.highlight]], {
        style: {color: "#000000", weight: 3.5, fill: false, interactive: false}
      }).addTo(map);
    }
    function apply(key, announce) {
      if (!data.measures[key]) return;
      current = key;
      layers.forEach(function (lyr, i) {
        lyr.setStyle({fillColor: fill(i)});
        lyr.setTooltipContent(label(i));
        var p = lyr.getElement && lyr.getElement();
        if (p && data.focusable) p.setAttribute("aria-label", label(i));
      });
      each(block.querySelectorAll(".measure-info"), function (info) {
        var shown = info.getAttribute("data-measure") === key;
        info.hidden = !shown;
        if (shown && announce && status) {
          var s = info.querySelector(".summary");
          if (s) status.textContent = s.textContent;
        }
      });
    }
    map.fitBounds(data.bounds);
    var base = map.getZoom();
    // a small area's own page opens on the area and its neighbours; "show the whole map" resets
    // (a board's page shows the whole of Wales with the board outlined: config.whole)
    if (ring && !config.whole) map.fitBounds(ring.getBounds().pad(1.5), {maxZoom: base + 4});
    if (data.focusable) {
      layers.forEach(function (lyr, i) {
        var p = lyr.getElement();
        if (!p) return;
        p.setAttribute("tabindex", "0");
        p.setAttribute("role", "link");
        p.addEventListener("focus", function () {
          lyr.setStyle({color: "#000000", weight: 3}); lyr.bringToFront();
          if (ring) ring.bringToFront();
          var c = lyr.getBounds().getCenter();
          lyr.openTooltip(c);
        });
        p.addEventListener("blur", function () {
          lyr.setStyle({color: "#ffffff", weight: many ? 0.3 : 0.8}); lyr.closeTooltip();
        });
        p.addEventListener("keydown", function (e) {
          if (e.key === "Enter" && data.hrefs) location.href = HERE + data.hrefs[i];
        });
      });
    }
    // labels: largest areas first, skipping any that would overlap a label already placed
    var labelBox = L.DomUtil.create("div", "map-labels", el);
    labelBox.setAttribute("aria-hidden", "true");
    var order = data.codes.map(function (c, i) { return i; }).sort(function (a, b) {
      return geo.size[geoIndex[b]] - geo.size[geoIndex[a]];
    });
    function drawLabels() {
      labelBox.innerHTML = "";
      var bounds = map.getBounds(), placed = [], size = map.getSize(), shown = 0;
      var limit = many && map.getZoom() < base + 1.5 ? 0 : 80;
      for (var n = 0; n < order.length && shown < limit; n++) {
        var i = order[n], g = geoIndex[i];
        var ll = L.latLng(geo.ly[g], geo.lx[g]);
        if (!bounds.contains(ll)) continue;
        var p = map.latLngToContainerPoint(ll);
        var w = data.names[i].length * 7 + 8, h = 18;
        var box = [p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2];
        if (box[0] < 0 || box[1] < 0 || box[2] > size.x || box[3] > size.y) continue;
        var clash = placed.some(function (q) { return !(box[2] < q[0] || box[0] > q[2] || box[3] < q[1] || box[1] > q[3]); });
        if (clash) continue;
        placed.push(box);
        var s = document.createElement("span");
        s.className = "map-label";
        s.textContent = data.names[i];
        s.style.left = Math.round(p.x) + "px";
        s.style.top = Math.round(p.y) + "px";
        labelBox.appendChild(s);
        shown++;
      }
    }
    map.on("zoomend moveend resize", drawLabels);
    var wanted = hashParams().m;
    var start = wanted && select.querySelector('option[value="' + wanted + '"]') ? wanted : select.options[0].value;
    select.value = start;
    apply(start, false);
    drawLabels();
    select.disabled = false;
    select.addEventListener("change", function () {
      apply(select.value, true);
      var h = hashParams(); h.m = select.value; setHash(h);
    });
    window.addEventListener("hashchange", function () {
      var m = hashParams().m;
      if (m && m !== select.value && select.querySelector('option[value="' + m + '"]')) {
        select.value = m;
        apply(m, true);
      }
    });
    block.wbMap = map;
    el.wbMap = map;
  }

  // ------------------------------------------------------------------------------------------
  // tables

  function initSort(tableEl) {
    each(tableEl.querySelectorAll("thead th button"), function (btn) {
      btn.addEventListener("click", function () {
        var th = btn.parentNode;
        var col = +btn.getAttribute("data-col");
        var numeric = btn.hasAttribute("data-numeric");
        var asc = th.getAttribute("aria-sort") !== "ascending";
        each(tableEl.querySelectorAll("thead th"), function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = tableEl.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var ca = a.cells[col], cb = b.cells[col], r;
          if (numeric) {
            var va = ca.getAttribute("data-sort"), vb = cb.getAttribute("data-sort");
            r = (va === null || va === "" ? -Infinity : +va) - (vb === null || vb === "" ? -Infinity : +vb);
          } else {
            r = (ca.textContent || "").localeCompare(cb.textContent || "", LANG);
          }
          return asc ? r : -r;
        });
        var frag = document.createDocumentFragment();
        rows.forEach(function (row) { frag.appendChild(row); });
        body.appendChild(frag);
      });
    });
  }

  function initFilter(input) {
    var tableEl = document.getElementById(input.getAttribute("data-filter"));
    var count = document.getElementById(tableEl.id + "-count");
    var rows = Array.prototype.slice.call(tableEl.tBodies[0].rows);
    var text = rows.map(function (r) { return fold(r.textContent); });
    input.parentNode.hidden = false;
    input.addEventListener("input", function () {
      var q = fold(input.value.trim()), n = 0;
      rows.forEach(function (r, i) {
        var show = !q || text[i].indexOf(q) >= 0;
        r.hidden = !show;
        if (show) n++;
      });
      count.textContent = q ? n + " / " + rows.length : "";
    });
  }

  // ------------------------------------------------------------------------------------------
  // search

  var POSTCODE = /^([A-Z]{1,2}[0-9][0-9A-Z]?|NPT)\s*([0-9][A-Z]{2})$/;

  function initSearch() {
    var form = document.getElementById("search-page-form");
    if (!form) return;
    var input = document.getElementById("search-page-input");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    var text = JSON.parse(document.getElementById("search-text").textContent);
    var laNames = {};
    function say(msg) { status.hidden = false; status.textContent = msg; }
    function fill(template, values) {
      return template.replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? values[k] : m; });
    }
    function nameOf(e) { return (LANG === "cy" && e[3]) ? e[3] : e[2]; }
    var PAGES = {la: "la/", lsoa: "lsoa/", msoa: "msoa/", psb: "psb/", hb: "hb/"};
    function href(type, code) { return PAGES[type] + code + ".html"; }
    function withIndex(fn) {
      if (window.WBSEARCH && window.WBSEARCH.areas) return fn(window.WBSEARCH.areas.areas);
      say(text.loading);
      loadScript(ROOT + "assets/search/areas.js", function () {
        var idx = window.WBSEARCH.areas.areas;
        idx.forEach(function (e) { if (e[0] === "la") laNames[e[1]] = nameOf(e); });
        fn(idx);
      });
    }
    function item(e, lsoaNames) {
      var li = document.createElement("li");
      var type = document.createElement("span");
      type.className = "result-type";
      type.textContent = text.types[e[0]];
      li.appendChild(type);
      li.appendChild(document.createTextNode(" "));
      if (PAGES[e[0]]) {
        var a = document.createElement("a");
        a.href = href(e[0], e[1]);
        a.textContent = nameOf(e);
        li.appendChild(a);
      } else {
        var strong = document.createElement("strong");
        strong.textContent = nameOf(e);
        if (e[0] === "ward") strong.setAttribute("translate", "no");
        li.appendChild(strong);
      }
      var code = document.createElement("span");
      code.className = "code";
      code.textContent = " " + e[1] + (e[0] !== "la" && e[4] && laNames[e[4]] ? " · " + laNames[e[4]] : "");
      li.appendChild(code);
      if (e[6]) {
        var sub = document.createElement("ul");
        sub.setAttribute("aria-label", text.contains);
        e[6].forEach(function (c) {
          var sli = document.createElement("li"), a = document.createElement("a");
          a.href = href("lsoa", c);
          a.textContent = lsoaNames[c] || c;
          sli.appendChild(a);
          sub.appendChild(sli);
        });
        li.appendChild(sub);
      }
      return li;
    }
    function runNames(q, navigate) {
      withIndex(function (idx) {
        var tokens = fold(q).split(/\s+/).filter(Boolean);
        var lsoaNames = {}, hits = [];
        var rank = {la: 0, psb: 1, hb: 2, msoa: 3, ward: 4, lsoa: 5};
        idx.forEach(function (e) {
          if (e[0] === "lsoa") lsoaNames[e[1]] = nameOf(e);
          if (tokens.every(function (tk) { return e[5].indexOf(tk) >= 0; })) hits.push(e);
        });
        var fq = fold(q);
        hits.sort(function (a, b) {
          var ea = (fold(a[2]) === fq || fold(a[3] || "") === fq || fold(a[1]) === fq) ? 0 : 1;
          var eb = (fold(b[2]) === fq || fold(b[3] || "") === fq || fold(b[1]) === fq) ? 0 : 1;
          return ea - eb || rank[a[0]] - rank[b[0]] || nameOf(a).localeCompare(nameOf(b), LANG);
        });
        list.innerHTML = "";
        if (!hits.length) { say(fill(text.none, {q: q})); return; }
        var exact = hits.filter(function (e) { return fold(e[1]) === fq; });
        if (navigate && exact.length === 1 && PAGES[exact[0][0]]) {
          say(fill(text.going, {q: q, name: nameOf(exact[0])}));
          location.href = href(exact[0][0], exact[0][1]);
          return;
        }
        say(fill(text.count, {n: hits.length, q: q}));
        hits.slice(0, 50).forEach(function (e) { list.appendChild(item(e, lsoaNames)); });
      });
    }
    function runPostcode(m, navigate) {
      var district = m[1], inward = m[2], pc = district + " " + inward;
      function show() {
        var shard = window.WBPC && window.WBPC[district];
        var hit = shard && shard.p[inward];
        list.innerHTML = "";
        if (!hit) { say(fill(text.postcodeNone, {q: pc})); return; }
        var codes = hit.map(function (i) { return shard.l[i]; });
        withIndex(function (idx) {
          var names = {};
          idx.forEach(function (e) { if (e[0] === "lsoa") names[e[1]] = nameOf(e); });
          if (codes.length === 1) {
            say(fill(text.going, {q: pc, name: names[codes[0]] || codes[0]}));
            var li = item(["lsoa", codes[0], names[codes[0]], names[codes[0]], ""], {});
            list.appendChild(li);
            if (navigate) location.href = href("lsoa", codes[0]);
            return;
          }
          say(fill(text.split, {q: pc}));
          codes.forEach(function (c) { list.appendChild(item(["lsoa", c, names[c], names[c], ""], {})); });
        });
      }
      if (window.WBPC && window.WBPC[district]) show();
      else { say(text.loading); loadScript(ROOT + "assets/search/postcodes/" + district + ".js", show); }
    }
    function run(q, navigate) {
      q = (q || "").trim();
      if (!q) return;
      var m = POSTCODE.exec(q.toUpperCase().replace(/\s+/g, " "));
      if (m) runPostcode(m, navigate); else runNames(q, navigate);
    }
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { if (input.value.trim().length >= 2) run(input.value, false); }, 250);
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); run(input.value, true); });
    var q = new URLSearchParams(location.search).get("q");
    if (q) { input.value = q; run(q, true); }
  }

  // ------------------------------------------------------------------------------------------
  // compare

  function initCompare() {
    var root = document.getElementById("compare");
    if (!root || !window.WBCOMPARE) return;
    root.hidden = false;
    var text = JSON.parse(document.getElementById("compare-text").textContent);
    var levelSrc = JSON.parse(root.getAttribute("data-level-data"));
    var assets = root.getAttribute("data-root-assets");
    var LISTED = {la: 1, psb: 1, hb: 1};  // chosen with checkboxes; the others by code or name
    var listLegend = document.getElementById("compare-list-legend");
    var inputLabel = document.getElementById("compare-input-label");
    var inputHint = document.getElementById("compare-input-hint");
    var laList = document.getElementById("compare-la-list");
    var lsoaInput = document.getElementById("compare-lsoa-input");
    var chosenList = document.getElementById("compare-lsoa-chosen");
    var measureSel = document.getElementById("compare-measure");
    var tableEl = document.getElementById("compare-table");
    var status = document.getElementById("compare-status");
    var share = document.getElementById("compare-share");
    var h = hashParams();
    var state = {level: (h.level === "la" || levelSrc[h.level]) ? h.level : "la", areas: (h.areas || "").split(",").filter(Boolean), m: h.m || ""};
    function fill(t, v) { return t.replace(/\{(\w+)\}/g, function (m, k) { return v[k] !== undefined ? v[k] : m; }); }
    function data() { return window.WBCOMPARE[state.level + "." + LANG]; }
    function ensure(fn) {
      if (data()) return fn();
      loadScript(assets + levelSrc[state.level], fn);
    }
    function buildLaList() {
      if (!LISTED[state.level]) return;
      var d = data();
      listLegend.textContent = listLegend.getAttribute("data-" + state.level);
      var codes = Object.keys(d.areas).sort(function (a, b) { return d.areas[a].n.localeCompare(d.areas[b].n, LANG); });
      laList.innerHTML = "";
      codes.forEach(function (c) {
        var lab = document.createElement("label"), box = document.createElement("input");
        box.type = "checkbox"; box.value = c; box.name = "la";
        box.checked = state.areas.indexOf(c) >= 0;
        box.addEventListener("change", function () {
          state.areas = Array.prototype.map.call(laList.querySelectorAll("input:checked"), function (x) { return x.value; });
          render();
        });
        lab.appendChild(box);
        lab.appendChild(document.createTextNode(" " + d.areas[c].n));
        laList.appendChild(lab);
      });
    }
    function buildChosen() {
      var d = data();
      chosenList.innerHTML = "";
      state.areas.forEach(function (c) {
        var a = d.areas[c];
        if (!a) return;
        var li = document.createElement("li"), b = document.createElement("button");
        li.textContent = a.n + (a.p ? " (" + a.p + ") " : " ");
        b.type = "button";
        b.textContent = "\u00d7";
        b.setAttribute("aria-label", fill(text.remove, {name: a.n}));
        b.addEventListener("click", function () {
          state.areas = state.areas.filter(function (x) { return x !== c; });
          render();
        });
        li.appendChild(b);
        chosenList.appendChild(li);
      });
    }
    function render() {
      var d = data();
      if (!d) return;
      document.getElementById("compare-la-choices").hidden = !LISTED[state.level];
      document.getElementById("compare-lsoa-choices").hidden = !!LISTED[state.level];
      if (!LISTED[state.level]) {
        inputLabel.textContent = inputLabel.getAttribute("data-" + state.level);
        inputHint.textContent = inputHint.getAttribute("data-" + state.level);
      }
      each(root.querySelectorAll("input[name=level]"), function (r) { r.checked = r.value === state.level; });
      state.areas = state.areas.filter(function (c) { return d.areas[c]; });
      if (!LISTED[state.level]) buildChosen();
      var keys = d.measures.map(function (m) { return m.key; });
      measureSel.innerHTML = "";
      d.measures.forEach(function (m) {
        var o = document.createElement("option"); o.value = m.key; o.textContent = m.title; measureSel.appendChild(o);
      });
      if (keys.indexOf(state.m) < 0) state.m = keys[0];
      measureSel.value = state.m;
      var thead = tableEl.tHead, tbody = tableEl.tBodies[0];
      thead.innerHTML = ""; tbody.innerHTML = "";
      var hr = document.createElement("tr"), th0 = document.createElement("th");
      th0.scope = "col"; th0.textContent = text.measure; hr.appendChild(th0);
      state.areas.forEach(function (c) {
        var th = document.createElement("th"); th.scope = "col"; th.className = "num";
        th.textContent = d.areas[c].n; hr.appendChild(th);
      });
      thead.appendChild(hr);
      d.measures.forEach(function (m, j) {
        var tr = document.createElement("tr");
        if (m.key === state.m) tr.className = "highlight";
        var th = document.createElement("th"); th.scope = "row"; th.textContent = m.title; tr.appendChild(th);
        state.areas.forEach(function (c) {
          var td = document.createElement("td"); td.className = "num"; td.textContent = d.areas[c].v[j]; tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
      if (state.areas.length < 2) status.textContent = text.none;
      else {
        var j = keys.indexOf(state.m), best = null;
        state.areas.forEach(function (c) {
          var x = d.areas[c].x[j];
          if (x !== null && (best === null || x > d.areas[best].x[j])) best = c;
        });
        status.textContent = fill(text.chosen, {n: state.areas.length}) + (best ? " " + d.measures[j].title + ": " + fill(text.highest, {name: d.areas[best].n}) : "");
      }
      if (state.areas.length || location.hash) setHash({level: state.level, areas: state.areas.join(","), m: state.m});
      share.href = location.href;
    }
    each(root.querySelectorAll("input[name=level]"), function (r) {
      r.addEventListener("change", function () {
        if (r.value === state.level) return;
        state.level = r.value; state.areas = [];
        ensure(function () { buildLaList(); render(); });
      });
    });
    measureSel.addEventListener("change", function () { state.m = measureSel.value; render(); });
    function addLsoa() {
      var q = lsoaInput.value.trim();
      if (!q) return;
      var d = data(), fq = fold(q), code = null;
      if (d.areas[q.toUpperCase()]) code = q.toUpperCase();
      else {
        Object.keys(d.areas).some(function (c) { if (fold(d.areas[c].n) === fq) { code = c; return true; } return false; });
      }
      if (!code) { status.textContent = fill(text.notFound, {q: q}); return; }
      if (state.areas.indexOf(code) < 0) state.areas.push(code);
      lsoaInput.value = "";
      render();
    }
    document.getElementById("compare-lsoa-add").addEventListener("click", addLsoa);
    lsoaInput.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); addLsoa(); } });
    document.getElementById("compare-form").addEventListener("submit", function (e) { e.preventDefault(); });
    ensure(function () { buildLaList(); render(); });
  }

  function init() {
    each(document.querySelectorAll("[data-map]"), initMap);
    each(document.querySelectorAll("table.sortable"), initSort);
    each(document.querySelectorAll("input[data-filter]"), initFilter);
    initSearch();
    initCompare();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
