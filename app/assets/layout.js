/* Panels that fold away on narrow screens: the header's menu and the filter bar.

   A button with aria-expanded opens and closes its panel (aria-controls); style.css shows the
   panel from that attribute. Plain DOM, no callback: the state is the page's alone, and the
   header is drawn anew (closed) on every move to another page. */
(function () {
  "use strict";
  var TOGGLES = ".menu-toggle, .filters-toggle";

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest(TOGGLES);
    if (button) {
      setOpen(button, button.getAttribute("aria-expanded") !== "true");
      return;
    }
    // A link chosen in the open menu closes it (the page under it changes in place), and so
    // does a tap anywhere outside it.
    var menu = document.getElementById("menu-toggle");
    var panel = document.getElementById("menu-panel");
    if (!menu || menu.getAttribute("aria-expanded") !== "true") return;
    var link = e.target.closest && e.target.closest("#menu-panel a");
    if (link || (panel && !panel.contains(e.target))) setOpen(menu, false);
  });

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var menu = document.getElementById("menu-toggle");
    if (menu && menu.getAttribute("aria-expanded") === "true") {
      var inside = document.getElementById("menu-panel");
      setOpen(menu, false);
      if (inside && inside.contains(document.activeElement)) menu.focus();
    }
  });
})();
