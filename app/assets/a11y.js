/* Accessibility mends for Dash 4's own components, applied as they are drawn and redrawn.

   Dash renders these with ARIA that screen readers and axe-core reject, and gives us no prop to
   change it; React leaves attributes alone until their own value changes, so a mend holds, and
   the observer below puts it back when React rewrites one.
   - Dropdown: a hidden relay input (aria-hidden, yet in the tab order) hands focus to the button;
     the button takes focus itself, and its name starts with the field's label (<id>-label),
     not with the chosen value alone.
   - RadioItems / Checklist: drawn as a listbox of options holding real radios and checkboxes
     (nested controls, no name); they become a labelled radio group / group of plain labels.
   - DatePickerSingle: the popup state sits on a wrapper div that has no role; it moves to the
     text field, which becomes the date-picker combobox of the ARIA practices. */
(function () {
  "use strict";
  var SEL =
    ".dash-dropdown-focus-target, button.dash-dropdown, .dash-radioitems, .dash-checklist, " +
    ".dash-radioitems > label, .dash-checklist > label, .dash-datepicker-input-wrapper";

  function set(el, name, value) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }
  function drop(el, name) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  }
  function labelOf(id) {
    return id ? document.getElementById(id + "-label") : null;
  }

  function mend(el) {
    var cls = el.classList;
    if (cls.contains("dash-dropdown-focus-target")) {
      set(el, "tabindex", "-1");
    } else if (cls.contains("dash-dropdown")) {
      if (!el.disabled) set(el, "tabindex", "0");
      var label = labelOf(el.id);
      var by = (el.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
      if (label && by[0] !== label.id) set(el, "aria-labelledby", [label.id].concat(by).join(" "));
    } else if (cls.contains("dash-radioitems") || cls.contains("dash-checklist")) {
      var name = labelOf(el.id);
      if (name) {
        set(el, "role", cls.contains("dash-radioitems") ? "radiogroup" : "group");
        set(el, "aria-labelledby", name.id);
      } else {
        drop(el, "role");
      }
    } else if (el.tagName === "LABEL") {
      drop(el, "role");
      drop(el, "aria-selected");
    } else if (cls.contains("dash-datepicker-input-wrapper")) {
      var input = el.querySelector("input.dash-datepicker-input");
      var open = el.getAttribute("aria-expanded");
      if (input) {
        set(input, "role", "combobox");
        set(input, "aria-haspopup", "dialog");
        if (open !== null) set(input, "aria-expanded", open);
        else if (!input.hasAttribute("aria-expanded")) set(input, "aria-expanded", "false");
      }
      drop(el, "aria-expanded");
      drop(el, "aria-haspopup");
    }
  }

  function mendWithin(node) {
    if (node.nodeType !== 1) return;
    if (node.matches(SEL)) mend(node);
    // Map panes and grid rows hold none of these: skip their (many) insertions quickly.
    if (node.classList.contains("leaflet-interactive") || node.classList.contains("ag-row")) return;
    var found = node.querySelectorAll(SEL);
    for (var i = 0; i < found.length; i++) mend(found[i]);
  }

  function start() {
    mendWithin(document.body);
    new MutationObserver(function (records) {
      for (var i = 0; i < records.length; i++) {
        var r = records[i];
        if (r.type === "attributes") {
          if (r.target.matches(SEL)) mend(r.target);
        } else {
          for (var j = 0; j < r.addedNodes.length; j++) mendWithin(r.addedNodes[j]);
        }
      }
    }).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["aria-expanded", "aria-selected", "aria-labelledby", "tabindex", "role"]
    });
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
