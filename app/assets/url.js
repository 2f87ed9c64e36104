/* The page's own URL writes, kept apart from the user's back and forward.

   A view writes its query string here (set_props), not as a declared callback output: a
   declared write would close the loop url → filters → view → url, and Dash's renderer keeps a
   callback on such a loop blocked for good once it is re-triggered while in flight (back
   pressed while the previous view was still being computed). */
(function () {
  "use strict";
  var echoes = []; // query strings written and not yet heard back (not navigation)
  var own = null; // the query string this page wrote last, while no navigation came after it

  // Links drawn outside Dash (a[data-spa], e.g. the overview's ranking) move within the app
  // as dcc.Link does: push the address and let the Location hear of it; no page reload.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-spa]");
    if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    window.history.pushState({}, "", a.getAttribute("href"));
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
    window.scrollTo(0, 0);
  });

  window.exitmapUrl = {
    // w = {search: the view's query string, was: the query string the view was computed from}
    // Written after the next paint: the view's new colours come first, the URL and the
    // header links it updates (a request of their own) after.
    write: function (w) {
      if (!w || w.search == null) return;
      requestAnimationFrame(function () {
        setTimeout(function () {
          var now = window.location.search;
          if (w.search === now) return;
          // The user went back or forward while this view was computed: their choice stands.
          // (A write of this page's own in between is no such choice: two quick changes.)
          if (now !== (w.was || "") && now !== own) return;
          own = w.search;
          echoes.push(own);
          window.dash_clientside.set_props("url", { search: w.search });
        }, 0);
      });
    },
    // A query string that changed by back/forward (or a link), not by this page's own write.
    // Dash may hear two quick writes as one change, the last: earlier echoes go with it.
    navigated: function (search) {
      var at = echoes.lastIndexOf(search);
      echoes = at >= 0 ? echoes.slice(at + 1) : [];
      if (at >= 0) return window.dash_clientside.no_update;
      own = null;
      return { search: search || "", t: Date.now() };
    }
  };
})();
