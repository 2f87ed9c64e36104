/* Map functions for dash-leaflet, referenced from Python as {"variable": "exitmap.<name>"}.
   Every text put into HTML goes through esc(): names from registers are data, not markup. */
(function () {
  "use strict";
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  // A hatch pattern for 区域限批 that survives a black-and-white printout.
  function ensurePattern() {
    if (document.getElementById("exitmap-hatch")) return;
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    svg.setAttribute("aria-hidden", "true");
    svg.style.position = "absolute";
    svg.innerHTML =
      '<defs><pattern id="exitmap-hatch" patternUnits="userSpaceOnUse" width="9" height="9" ' +
      'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="9" stroke="#111" ' +
      'stroke-width="2.2" /></pattern></defs>';
    document.body.appendChild(svg);
  }
  var STATUS_COLOURS = { resolved: "#2c7fb8", remaining: "#fdae61", overdue: "#d7191c", out: "#9e9e9e" };
  var T = {
    zh: { equipment: "装备", category: "退出类别", status: "状态", deadline: "期限", energy: "年综合能耗",
          tce: "吨标准煤", more: "查看详情 →", units: "台（套）", frozen: "限批",
          decided: "限批（已决定）" },
    en: { equipment: "Equipment", category: "Category", status: "Status", deadline: "Deadline",
          energy: "Energy", tce: "tce/yr", more: "Details →", units: "units", frozen: "freeze",
          decided: "freeze (decided)" }
  };
  function tr(h) { return T[(h && h.lang) || "zh"] || T.zh; }

  // The newest prefecture-layer hideout: restyles arrive as small data (applyStyle) and are
  // applied to the existing Leaflet layers, so no geometry is rebuilt or resent.
  function current(context) {
    var h = (context && context.hideout) || {};
    var g = window.__exitmapHideout;
    return g && g.stamp > (h.stamp || 0) ? g : h;
  }
  function has(list, code) { return (list || []).indexOf(code) >= 0; }
  // The label's tag: "限批（已决定）" when a decision is in force, "限批" when only the rule
  // triggers it; text, so it reads in a black-and-white printout as well as the hatch.
  function tagText(h, code) {
    if (has(h.decided, code)) return tr(h).decided;
    return has(h.frozen, code) ? tr(h).frozen : "";
  }
  function tagHtml(h, code) {
    var text = tagText(h, code);
    if (!text) return "";
    var cls = has(h.decided, code) ? "frozen-tag decided" : "frozen-tag";
    return ' <b class="' + cls + '">' + esc(text) + "</b>";
  }
  function registry(name) {
    window.__exitmapLayers = window.__exitmapLayers || {};
    return (window.__exitmapLayers[name] = window.__exitmapLayers[name] || {});
  }

  // Every map opens fitted to its area (the bounds given in Python, app/components/mapview.py)
  // for its own frame, and stays fitted while the frame changes size (a phone turned, a window
  // resized, a page printed) until the user moves it. Leaflet's zoom buttons speak the page's
  // language.
  var maps = [];
  var ZOOM_WORDS = { zh: ["放大", "缩小"], en: ["Zoom in", "Zoom out"] };
  // A map's size on an A4 landscape page: --print-width and --print-height on it (style.css),
  // read while the screen styles still hold.
  function printSize(el) {
    var css = getComputedStyle(el);
    return { width: css.getPropertyValue("--print-width").trim(),
             height: css.getPropertyValue("--print-height").trim() };
  }

  function refit(map) {
    var home = map._exitmapHome;
    map.invalidateSize({ animate: false, pan: false });
    if (home && !map._exitmapMoved) map.fitBounds(home.bounds, L.extend({}, home.options, { animate: false }));
    // The size it was last fitted for: the briefing renderer (app/render.py) photographs a
    // map only once this is its laid-out size.
    var el = map.getContainer();
    el.dataset.fittedFor = el.clientWidth + "x" + el.clientHeight;
  }
  function sayZoom(map) {
    var words = ZOOM_WORDS[(document.documentElement.lang || "zh").slice(0, 2)] || ZOOM_WORDS.zh;
    var zc = map.zoomControl;
    if (!zc || !zc._zoomInButton) return;
    [[zc._zoomInButton, words[0]], [zc._zoomOutButton, words[1]]].forEach(function (pair) {
      pair[0].title = pair[1];
      pair[0].setAttribute("aria-label", pair[1]);
    });
  }
  function watch(map) {
    var fit = map.fitBounds;
    map.fitBounds = function (bounds, options) {
      if (!map._exitmapHome) map._exitmapHome = { bounds: bounds, options: options || {} };
      return fit.apply(map, arguments);
    };
    var el = map.getContainer();
    function moved() { map._exitmapMoved = true; }
    ["pointerdown", "wheel", "touchstart"].forEach(function (ev) {
      el.addEventListener(ev, moved, { passive: true });
    });
    el.addEventListener("keydown", function (e) {
      if (/^(Arrow|\+|-|=|_)/.test(e.key)) moved();
    });
    if (window.ResizeObserver) {
      var size = null;
      var seen = new ResizeObserver(function () {
        var now = el.clientWidth + "x" + el.clientHeight;
        if (now === size || el.clientWidth === 0) return;
        size = now;
        var back = map._exitmapScreen;
        map._exitmapScreen = null;
        if (back && map._exitmapMoved) {
          // Back from paper: the view the user had chosen.
          map.invalidateSize({ animate: false, pan: false });
          map.setView(back.center, back.zoom, { animate: false });
        } else {
          refit(map);
        }
      });
      seen.observe(el);
      map.on("unload", function () { seen.disconnect(); });
    }
    map.whenReady(function () { sayZoom(map); });
    maps.push(map);
    map.on("unload", function () { maps = maps.filter(function (m) { return m !== map; }); });
  }
  if (window.L && L.Map) L.Map.addInitHook(function () { watch(this); });

  // Printing: the page is laid out anew for paper before anything can run, so each map takes
  // its paper size now and is fitted to it (or keeps the user's centre).
  window.addEventListener("beforeprint", function () {
    maps.forEach(function (map) {
      var el = map.getContainer();
      var size = printSize(el);
      map._exitmapScreen = { center: map.getCenter(), zoom: map.getZoom() };
      if (size.width) el.style.width = size.width;
      if (size.height) el.style.height = size.height;
      refit(map);
    });
  });
  // Only the frame's size here: the paper may still be drawn from the live page after this
  // event (Chromium's PDF printing is), so the map is put back once the frame has its screen
  // size again (the ResizeObserver above).
  window.addEventListener("afterprint", function () {
    maps.forEach(function (map) {
      var el = map.getContainer();
      el.style.width = "";
      el.style.height = "";
    });
  });

  // A map whose box changes after Leaflet measured it (the briefing layout grows the
  // prefecture page's map from 0 px high once its flex parent is sized) keeps drawing into
  // the first size: a blank map. Each map with an id is told its new size (dash-leaflet's
  // invalidateSize property calls Leaflet's).
  function watchMapSizes() {
    if (!window.ResizeObserver || !window.MutationObserver) return;
    var watched = new WeakMap();
    var sizes = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) {
        var el = entry.target, box = entry.contentRect;
        // A map leaving the page (navigation) reports 0×0: it is no component any more.
        if (!el.isConnected || !box.width || !box.height) {
          if (!el.isConnected) sizes.unobserve(el);
          return;
        }
        var was = watched.get(el);
        watched.set(el, { w: box.width, h: box.height });
        // The first report too: Leaflet may have measured the box before it was laid out.
        if (was && was.w === box.width && was.h === box.height) return;
        var dc = window.dash_clientside;
        if (dc && dc.set_props) dc.set_props(el.id, { invalidateSize: Date.now() });
      });
    });
    function scan() {
      document.querySelectorAll(".leaflet-container[id]").forEach(function (el) {
        if (!watched.has(el)) { watched.set(el, null); sizes.observe(el); }
      });
    }
    new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true });
    scan();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watchMapSizes);
  } else {
    watchMapSizes();
  }

  window.exitmap = {
    esc: esc,
    applyStyle: function (h) {
      if (!h) return null;
      window.__exitmapHideout = h;
      var prefs = registry("pref"), hatch = registry("hatch");
      Object.keys(prefs).forEach(function (code) {
        var layer = prefs[code];
        if (!layer._map) return;
        layer.setStyle(window.exitmap.prefStyle(layer.feature, { hideout: h }));
        var name = (h.names || {})[code] || layer.feature.properties.name;
        var value = (h.values || {})[code];
        layer.setTooltipContent("<b>" + esc(name) + "</b>" + (value ? "<br>" + esc(value) : ""));
      });
      Object.keys(hatch).forEach(function (code) {
        var layer = hatch[code];
        if (layer._map) layer.setStyle(window.exitmap.hatchStyle(layer.feature, { hideout: h }));
      });
      document.querySelectorAll(".pref-label-text").forEach(function (el) {
        var tag = el.querySelector(".frozen-tag");
        if (tag) tag.remove();
        el.insertAdjacentHTML("beforeend", tagHtml(h, el.getAttribute("data-adcode")));
      });
      var styled = (window.__exitmapStyled = { t: performance.now(), measure: h.measure, stamp: h.stamp });
      requestAnimationFrame(function () { styled.painted = performance.now(); });
      return h.stamp;
    },
    // Restyle, and only once that frame is painted set `follow` (the side panels' trigger):
    // their requests and rendering then cannot hold back the map's new colours.
    applyStyleThen: function (h, follow) {
      var stamp = window.exitmap.applyStyle(h);
      if (stamp == null) return window.dash_clientside.no_update;
      requestAnimationFrame(function () {
        setTimeout(function () { window.dash_clientside.set_props(follow, { data: stamp }); }, 0);
      });
      return window.dash_clientside.no_update;
    },
    prefStyle: function (feature, context) {
      var h = current(context);
      var code = String(feature.properties.adcode);
      var fill = (h.fill || {})[code] || "#d9d9d9";
      var frozen = has(h.frozen, code), decided = has(h.decided, code);
      window.__exitmapStyled = { t: performance.now(), measure: h.measure, stamp: h.stamp };
      if (h.ready && window.__exitmapReady !== h.stamp) {
        // First paint of this map: tell Dash, which then fills the side panels.
        window.__exitmapReady = h.stamp;
        setTimeout(function () {
          if (window.dash_clientside && window.dash_clientside.set_props) {
            window.dash_clientside.set_props(h.ready, { data: h.stamp });
          }
        }, 0);
      }
      // A decision in force: a thick black outline (the hatch marks the rule's trigger).
      return { fillColor: fill, fillOpacity: 0.92, color: frozen || decided ? "#111" : "#ffffff",
               weight: decided ? 4.5 : frozen ? 2.5 : 1.2, opacity: 1, dashArray: null };
    },
    prefHover: function () { return { weight: 3, color: "#333" }; },
    prefEach: function (feature, layer, context) {
      var h = current(context);
      var code = String(feature.properties.adcode);
      registry("pref")[code] = layer;
      var name = (h.names || {})[code] || feature.properties.name;
      var value = (h.values || {})[code];
      layer.bindTooltip("<b>" + esc(name) + "</b>" + (value ? "<br>" + esc(value) : ""), { sticky: true });
      if (layer._path) layer._path.setAttribute("data-adcode", code);
      layer.on("add", function () { if (layer._path) layer._path.setAttribute("data-adcode", code); });
    },
    hatchEach: function (feature, layer) {
      registry("hatch")[String(feature.properties.adcode)] = layer;
    },
    hatchStyle: function (feature, context) {
      ensurePattern();
      var h = current(context);
      var frozen = (h.frozen || []).indexOf(String(feature.properties.adcode)) >= 0;
      if (!frozen) return { stroke: false, fill: false };
      return { stroke: false, fill: true, fillColor: "url(#exitmap-hatch)", fillOpacity: 0.55 };
    },
    outlineStyle: function () { return { color: "#555", weight: 2, fill: false }; },
    neighbourStyle: function () { return { color: "#ffffff", weight: 1, fillColor: "#e3e3e3", fillOpacity: 1 }; },
    // Counties carry their code on the page (data-county: data-adcode means a prefecture of
    // the province map to the waits in app/browser.py and app/render.py).
    countyEach: function (feature, layer) {
      var code = String(feature.properties.adcode);
      function mark() { if (layer._path) layer._path.setAttribute("data-county", code); }
      mark();
      layer.on("add", mark);
    },
    countyStyle: function (feature, context) {
      var h = (context && context.hideout) || {};
      var mine = Math.floor(feature.properties.adcode / 100) * 100 === h.prefecture ||
                 feature.properties.parent_adcode === h.prefecture;
      return mine ? { color: "#666", weight: 1, fillColor: "#f7f7f2", fillOpacity: 1 }
                  : { color: "#ffffff", weight: 0.6, fillColor: "#e3e3e3", fillOpacity: 1 };
    },
    label: function (feature, latlng, context) {
      var h = current(context);
      var code = String(feature.properties.adcode);
      var name = (h.names || {})[code] || feature.properties.short_name;
      var html = '<span class="pref-label-text" data-adcode="' + esc(code) + '">' + esc(name) +
        tagHtml(h, code) + "</span>";
      return L.marker(latlng, { icon: L.divIcon({ className: "pref-label", html: html, iconSize: null }),
                                interactive: false, keyboard: false });
    },
    unitPoint: function (feature, latlng) {
      var p = feature.properties;
      var r = Math.max(4, Math.min(16, 2.2 * Math.sqrt((p.t || 0) / 2000)));
      return L.circleMarker(latlng, { radius: r, fillColor: STATUS_COLOURS[p.x] || "#777",
                                      color: "#222", weight: 0.8, fillOpacity: 0.85 });
    },
    unitEach: function (feature, layer, context) {
      var p = feature.properties;
      if (!p || p.cluster) return;
      var h = (context && context.hideout) || {};
      var t = tr(h);
      var link = "/unit/" + encodeURIComponent(p.k) + (h.search || "");
      layer.bindPopup(
        '<div class="unit-popup"><div class="unit-popup-name">' + esc(p.n) + "</div>" +
        "<table>" +
        "<tr><th>" + t.equipment + "</th><td>" + esc(p.e) + "</td></tr>" +
        "<tr><th>" + t.category + "</th><td>" + esc(p.c) + "</td></tr>" +
        "<tr><th>" + t.status + "</th><td>" + esc(p.s) + "</td></tr>" +
        "<tr><th>" + t.deadline + "</th><td>" + esc(p.d || "—") + "</td></tr>" +
        "<tr><th>" + t.energy + "</th><td>" + esc((p.t || 0).toLocaleString()) + " " + t.tce + "</td></tr>" +
        '</table><a class="unit-popup-link" href="' + esc(link) + '">' + t.more + "</a></div>"
      );
    },
    // Reports from the public by county (the overview's overlay): a disc per county with its
    // number of reports, red when any is overdue, amber when any is open; the popup has the
    // county's reports by kind and state. Counts only: the data holds nothing else.
    reportPoint: function (feature, latlng, context) {
      var p = feature.properties, h = (context && context.hideout) || {};
      var tone = p.d ? "overdue" : p.o ? "open" : "done";
      var size = Math.round(Math.max(24, Math.min(44, 18 + 6 * Math.sqrt(p.t || 0))));
      var words = (h.words || {});
      return L.marker(latlng, {
        title: (p.n || "") + " " + (words.reports || "") + " " + p.t,
        riseOnHover: true,
        icon: L.divIcon({
          className: "report-marker " + tone, iconSize: L.point(size, size),
          html: '<span data-county="' + esc(p.a) + '" data-open="' + esc(p.o) +
                '" data-overdue="' + esc(p.d) + '">' + esc(p.t) + "</span>" })
      });
    },
    reportEach: function (feature, layer, context) {
      var p = feature.properties, h = (context && context.hideout) || {};
      var w = h.words || {}, kinds = h.kinds || {}, states = h.states || [];
      var head = "<tr><th>" + esc(w.kind) + "</th>" + states.map(function (s) {
        return "<th>" + esc(s) + "</th>"; }).join("") +
        "<th>" + esc(w.open) + "</th><th>" + esc(w.overdue) + "</th></tr>";
      var rows = (p.r || []).map(function (r) {
        return '<tr data-kind="' + esc(r[0]) + '"><th>' + esc(kinds[r[0]] || r[0]) + "</th>" +
          r[1].map(function (n) { return "<td>" + esc(n) + "</td>"; }).join("") +
          "<td>" + esc(r[2]) + '</td><td class="' + (r[3] ? "late" : "") + '">' + esc(r[3]) +
          "</td></tr>";
      }).join("");
      var sum = esc(w.summary || "").replace("{t}", esc(p.t)).replace("{o}", esc(p.o))
        .replace("{d}", esc(p.d));
      layer.bindTooltip("<b>" + esc(p.n) + "</b><br>" + sum);
      layer.bindPopup('<div class="report-popup" data-county="' + esc(p.a) + '">' +
        '<div class="unit-popup-name">' + esc(p.n) + "</div><div>" + sum + "</div>" +
        "<table>" + head + rows + "</table></div>",
        // Clear of the zoom buttons and the layer switch above the top-left corner (Leaflet's
        // controls lie over its popups): on a phone's short map the table was hidden under them.
        { maxWidth: 420, className: "report-popup-wrap", autoPanPadding: [8, 8],
          autoPanPaddingTopLeft: [8, 164] });
    },
    cluster: function (feature, latlng, index, context) {
      var n = feature.properties.point_count;
      var size = n < 10 ? 30 : n < 100 ? 38 : n < 1000 ? 46 : 54;
      return L.marker(latlng, { icon: L.divIcon({
        html: "<div><span>" + esc(feature.properties.point_count_abbreviated) + "</span></div>",
        className: "unit-cluster", iconSize: L.point(size, size) }) });
    }
  };
})();
