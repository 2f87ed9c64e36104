/* The overview's ranking table, drawn from data (overview.ranking): a few text nodes instead of
   ~220 Dash components, which the renderer took ~160 ms to swap on every filter change.
   Every value is set as text (textContent), never parsed as markup. */
(function () {
  "use strict";
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function cell(value, num) {
    var td = el("td", num ? "num" : null);
    if (value == null) return td;
    if (typeof value === "string") {
      td.textContent = value;
    } else if (value.href) {
      var a = el("a", null, value.text);
      a.href = value.href;
      a.setAttribute("data-spa", "");
      td.appendChild(a);
    } else if (value.tags) {
      value.tags.forEach(function (t) { td.appendChild(el("span", "tag bad", t)); });
    } else if (value.bar != null) {
      var bar = el("span", "bar");
      bar.style.width = value.bar + "px";
      td.appendChild(bar);
      td.appendChild(document.createTextNode(value.text));
    } else {
      td.textContent = value.text;
    }
    return td;
  }
  function row(r, num, cls) {
    var tr = el("tr", cls);
    tr.setAttribute("data-row", r.row);
    r.cells.forEach(function (v, i) { tr.appendChild(cell(v, num[i])); });
    return tr;
  }
  window.exitmapRanking = {
    draw: function (id, d) {
      var box = document.getElementById(id);
      if (!box || !d) return;
      var table = el("table", "tbl");
      table.id = "ranking";
      // The caption says what the table is to a screen reader: the map's text version.
      if (d.caption) table.appendChild(el("caption", "sr-only", d.caption));
      var head = el("tr");
      d.headers.forEach(function (h, i) {
        head.appendChild(el("th", d.num[i] ? "num" : null, h)).setAttribute("scope", "col");
      });
      table.appendChild(el("thead")).appendChild(head);
      var body = table.appendChild(el("tbody"));
      d.rows.forEach(function (r) { body.appendChild(row(r, d.num)); });
      body.appendChild(row(d.total, d.num, "total"));
      box.replaceChildren(table);
    }
  };
})();
