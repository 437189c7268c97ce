// Lens: turn the reader's text selection into a highlight form's fields.
// Offsets are sent in Unicode code points (what the server counts), not the UTF-16 units
// a JavaScript string counts: an emoji is one code point but two UTF-16 units.
// Labels inside the text ([data-anchor-ignore]) are not part of it and are skipped.
(function () {
  "use strict";

  function anchorableText(fragment) {
    fragment.querySelectorAll("[data-anchor-ignore]").forEach(function (el) { el.remove(); });
    return fragment.textContent;
  }

  function textBefore(root, node, offset) {
    var range = document.createRange();
    range.setStart(root, 0);
    range.setEnd(node, offset);
    return anchorableText(range.cloneContents());
  }

  function codePoints(text) {
    return Array.from(text).length;
  }

  function onSelectionChange() {
    var root = document.querySelector("[data-segment-text]");
    var form = document.getElementById("highlight-form");
    var selection = document.getSelection();
    if (!root || !form || !selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return;
    }
    var range = selection.getRangeAt(0);
    if (!root.contains(range.startContainer) || !root.contains(range.endContainer)) {
      return;
    }
    var before = textBefore(root, range.startContainer, range.startOffset);
    var upToEnd = textBefore(root, range.endContainer, range.endOffset);
    var quote = upToEnd.slice(before.length);
    if (!quote.trim()) {
      return;
    }
    form.elements.start.value = codePoints(before);
    form.elements.end.value = codePoints(upToEnd);
    form.elements.quote.value = quote.trim();
  }

  function onQuoteTyped(event) {
    // Typed words are placed by the server from the quote alone.
    if (event.target.matches("[data-quote-input]")) {
      event.target.form.elements.start.value = "";
      event.target.form.elements.end.value = "";
    }
  }

  function keepFocus() {
    // After htmx replaces the workspace, a removed button leaves focus nowhere: put it on
    // the status message that says what happened, so keyboard users carry on from there.
    if (!document.activeElement || document.activeElement === document.body) {
      var status = document.getElementById("workspace-status");
      if (status) {
        status.focus();
      }
    }
  }

  var timer = null;
  document.addEventListener("htmx:afterSettle", keepFocus);
  document.addEventListener("selectionchange", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(onSelectionChange, 150);
  });
  document.addEventListener("input", onQuoteTyped);
})();
