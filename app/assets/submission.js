/* 报送: "下一个问题" — select the problem after the one selected (in the filtered order, round
   to the first), scroll it into view and put the keyboard focus on its message. */
window.exitmapSubmission = {
  next: function (id, n) {
    dash_ag_grid.getApiAsync(id).then(function (api) {
      var count = api.getDisplayedRowCount();
      if (!count) return;
      var selected = api.getSelectedNodes();
      var at = selected.length && selected[0].rowIndex != null ? selected[0].rowIndex : -1;
      var next = (at + 1) % count;
      var node = api.getDisplayedRowAtIndex(next);
      node.setSelected(true, true);
      api.ensureIndexVisible(next, "middle");
      api.setFocusedCell(next, "message");
    });
    return n;
  },
};

/* The 报送 form's file and date inputs, and the 决定 form's PDF: native ones, which a form
   sends (Dash has neither). Each slot span[data-native] gets its input once; the page
   re-renders only on navigation. The PDF is optional. */
(function () {
  function fill() {
    var slots = "#s-form span[data-native]:empty, #d-form span[data-native]:empty";
    document.querySelectorAll(slots).forEach(function (slot) {
      var input = document.createElement("input");
      input.required = true;
      if (slot.dataset.native === "pdf") {
        input.type = "file";
        input.name = "pdf";
        input.id = "d-file";
        input.accept = ".pdf,application/pdf";
        input.required = false;
      } else if (slot.dataset.native === "file") {
        input.type = "file";
        input.name = "file";
        input.id = "s-file";
        input.accept = ".xlsx,.xlsm,.xls,.csv";
      } else {
        input.type = "date";
        input.name = "as_of";
        input.id = "s-as-of";
        input.value = slot.dataset.value || "";
      }
      slot.appendChild(input);
    });
  }
  new MutationObserver(fill).observe(document.documentElement, { childList: true, subtree: true });
})();
