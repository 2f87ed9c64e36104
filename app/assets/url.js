/* The page's own URL writes, kept apart from the user's back and forward.

   A view writes its query string here (set_props), not as a declared callback output: a
   declared write would close the loop url → filters → view → url, and Dash's renderer keeps a
   callback on such a loop blocked for good once it is re-triggered while in flight (back
   pressed while the previous view was still being computed). */
(function () {
  "use strict";
  var wrote = null; // the query string this page just wrote, so its echo is not taken as navigation

  window.exitmapUrl = {
    // w = {search: the view's query string, was: the query string the view was computed from}
    // Written after the next paint: the view's new colours come first, the URL and the
    // header links it updates (a request of their own) after.
    write: function (w) {
      if (!w || w.search == null) return;
      requestAnimationFrame(function () {
        setTimeout(function () {
          var now = window.location.search;
          // The user went back or forward while this view was computed: their choice stands.
          if (now !== (w.was || "") || w.search === now) return;
          wrote = w.search;
          window.dash_clientside.set_props("url", { search: w.search });
        }, 0);
      });
    },
    // A query string that changed by back/forward (or a link), not by this page's own write.
    navigated: function (search) {
      var mine = wrote !== null && search === wrote;
      wrote = null;
      if (mine) return window.dash_clientside.no_update;
      return { search: search || "", t: Date.now() };
    }
  };
})();
