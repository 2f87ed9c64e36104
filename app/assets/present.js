/* Presentation mode (app/presentation.py): one slide at a time, stepped with the keys, the bar's
   buttons, or by itself every data-auto seconds; the slide number lives in the address (#3) so a
   reload or a shared link opens the same slide. Plain DOM: nothing here asks the server. */
(function () {
  "use strict";
  var timer = null;

  function deck() { return document.getElementById("present"); }
  function slides() { return deck().querySelectorAll(".slide"); }
  function current() {
    var all = slides();
    for (var i = 0; i < all.length; i++) if (!all[i].hidden) return i;
    return 0;
  }

  function show(i) {
    var all = slides(), n = all.length;
    i = ((i % n) + n) % n;
    for (var j = 0; j < n; j++) all[j].hidden = j !== i;
    var d = deck();
    document.getElementById("present-counter").textContent = i + 1 + " / " + n;
    // Said once by screen readers (role=status): which slide this is.
    document.getElementById("present-status").textContent = d.getAttribute("data-slide-words")
      .replace("{i}", i + 1).replace("{n}", n).replace("{title}", all[i].getAttribute("data-title"));
    history.replaceState(history.state, "", "#" + (i + 1));
  }

  function play(on) {
    var d = deck(), seconds = parseInt(d.getAttribute("data-auto"), 10) || 15;
    clearInterval(timer);
    timer = on ? setInterval(function () { if (deck()) show(current() + 1); else play(false); },
                             seconds * 1000) : null;
    var button = d.querySelector('[data-step="auto"]');
    if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
  }

  function fullScreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen();
  }

  function step(what) {
    if (what === "next") show(current() + 1);
    else if (what === "prev") show(current() - 1);
    else if (what === "first") show(0);
    else if (what === "last") show(slides().length - 1);
    else if (what === "auto") play(timer === null);
    else if (what === "full") fullScreen();
  }

  var KEYS = { ArrowRight: "next", ArrowDown: "next", PageDown: "next", " ": "next",
               ArrowLeft: "prev", ArrowUp: "prev", PageUp: "prev", Home: "first", End: "last",
               f: "full", F: "full", p: "auto", P: "auto" };

  document.addEventListener("keydown", function (e) {
    if (!deck() || e.altKey || e.ctrlKey || e.metaKey) return;
    // Keys on the bar's own buttons and links do what those controls do.
    if ((e.key === " " || e.key === "Enter") && e.target.closest("button, a")) return;
    if (e.target.closest(".leaflet-container")) return; // the focused map pans with the arrows
    if (e.key === "Escape" && !document.fullscreenElement) {
      document.getElementById("present-exit").click();
      return;
    }
    var what = KEYS[e.key];
    if (!what) return;
    e.preventDefault();
    step(what);
  });

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("#present [data-step]");
    if (button) step(button.getAttribute("data-step"));
  });

  function fromAddress() {
    var at = parseInt((location.hash || "").slice(1), 10);
    return at > 0 ? at - 1 : 0;
  }
  // A slide number typed into the address moves there.
  window.addEventListener("hashchange", function () { if (deck()) show(fromAddress()); });

  // The deck arrives with Dash's first render: start it then (the slide from the address, and
  // the clock when asked for).
  function start() {
    var d = deck();
    if (!d || d.getAttribute("data-started")) return false;
    d.setAttribute("data-started", "1");
    show(fromAddress());
    if (parseInt(d.getAttribute("data-auto"), 10) > 0) play(true);
    return true;
  }
  function watch() {
    if (!/[?&]present=1(&|$)/.test(location.search) || start()) return;
    var seen = new MutationObserver(function () { if (start()) seen.disconnect(); });
    seen.observe(document.body, { childList: true, subtree: true });
  }
  if (document.body) watch();
  else document.addEventListener("DOMContentLoaded", watch);
})();
