// Lens: turn the reader's text selection into a highlight (a student's) or a key span (an
// author's).
// Offsets are sent in Unicode code points (what the server counts), not the UTF-16 units
// a JavaScript string counts: an emoji is one code point but two UTF-16 units.
// Labels inside the text ([data-anchor-ignore]) are not part of it and are skipped.
//
// Selecting words fills the form below the text, and with the mouse or a finger opens the
// selection panel next to them: the same form (library/_highlight_form.html), posted to the
// same view. With the keyboard, select the words (caret browsing) and press Alt+Shift+H; the
// focus goes into the panel, and Escape or Cancel closes it and puts the focus (and the
// selection) back where they were. The page holds the technique list once: the panel's is
// copied from the form below the text.
//
// A save answers with only what changed (the text, one item of the list) and a message for
// the status: the form that saved is emptied, and the focus goes to the message.
(function () {
  "use strict";

  var GAP = 8; // pixels between the selected words and the panel

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

  function textRoot() {
    return document.querySelector("[data-segment-text]");
  }

  function panel() {
    return document.getElementById("selection-panel");
  }

  // The words selected in the text: their offsets, their quote and the range; or null.
  function selectedWords() {
    var root = textRoot();
    var selection = document.getSelection();
    if (!root || !selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return null;
    }
    var range = selection.getRangeAt(0);
    if (!root.contains(range.startContainer) || !root.contains(range.endContainer)) {
      return null;
    }
    var before = textBefore(root, range.startContainer, range.startOffset);
    var upToEnd = textBefore(root, range.endContainer, range.endOffset);
    var quote = upToEnd.slice(before.length).trim();
    if (!quote) {
      return null;
    }
    return {
      start: codePoints(before), end: codePoints(upToEnd), quote: quote, range: range.cloneRange()
    };
  }

  function fill(form, words) {
    form.elements.start.value = words.start;
    form.elements.end.value = words.end;
    form.elements.quote.value = words.quote;
  }

  function onSelectionChange() {
    var form = document.getElementById("highlight-form");
    var words = selectedWords();
    if (form && words) {
      fill(form, words);
    }
    if (words && lastPointer === "touch") {
      open(words, false); // a finger lets go before the selection is made: open it, or follow it
    }
  }

  function onQuoteTyped(event) {
    // Typed words are placed by the server from the quote alone.
    if (event.target.matches("[data-quote-input]")) {
      event.target.form.elements.start.value = "";
      event.target.form.elements.end.value = "";
    }
  }

  // ------------------------------------------------------------------ the selection panel

  var opened = null; // while the panel is open: {box, returnTo, range}
  var lastPointer = ""; // "mouse", "touch" or "pen": what the reader selects with

  function paragraph(text, name) {
    var p = document.createElement("p");
    if (name) {
      var strong = document.createElement("strong");
      strong.textContent = name;
      p.append(strong, ": ");
    }
    p.append(text);
    return p;
  }

  // The chosen technique's definition and example, from the list of techniques on the page.
  function showDefinition(box) {
    var out = box.querySelector("[data-definition]");
    var select = box.querySelector("select");
    var entry = select && select.value && document.getElementById("technique-" + select.value);
    if (!out) {
      return;
    }
    if (!entry) {
      out.replaceChildren(paragraph("Choose a technique to read what it means."));
      return;
    }
    var name = entry.querySelector("summary").textContent;
    out.replaceChildren(paragraph(entry.querySelector("p").textContent, name));
    var example = entry.querySelector(".example");
    if (example) {
      out.append(paragraph(example.textContent));
    }
  }

  // Next to the words: above them where the panel fits in the window, below otherwise. The
  // stylesheet keeps it inside the window's width, whatever the width becomes.
  function place(box, range) {
    var lines = range.getClientRects();
    var first = lines.length ? lines[0] : range.getBoundingClientRect();
    var last = lines.length ? lines[lines.length - 1] : first;
    var height = box.offsetHeight;
    var top = first.top - GAP - height >= 0 ? first.top - GAP - height : last.bottom + GAP;
    box.style.setProperty("--panel-x", Math.round(first.left + window.scrollX) + "px");
    box.style.setProperty("--panel-y", Math.round(top + window.scrollY) + "px");
  }

  // A new selection: what an earlier refusal said was about other words.
  function clearMessages(box) {
    box.querySelectorAll(".errors, fieldset.occurrence").forEach(function (el) { el.remove(); });
    box.querySelectorAll(".field-error").forEach(function (el) {
      el.classList.remove("field-error");
    });
    box.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      var left = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && document.getElementById(id); // not the messages just removed
      });
      if (left.length) {
        el.setAttribute("aria-describedby", left.join(" "));
      } else {
        el.removeAttribute("aria-describedby");
      }
    });
  }

  // After a save: the form as new, for the next words.
  function empty(form) {
    clearMessages(form);
    form.querySelectorAll("textarea, select, input[type=hidden]").forEach(function (el) {
      if (el.name !== "csrfmiddlewaretoken") {
        el.value = "";
      }
    });
  }

  function open(words, moveFocus) {
    var box = panel();
    if (!box || typeof box.showPopover !== "function") {
      return; // no popovers in this browser: the form below the text does the same
    }
    var form = box.querySelector("form");
    if (!opened || opened.box !== box) {
      var active = document.activeElement;
      opened = {box: box, returnTo: active && active !== document.body ? active : textRoot()};
    }
    opened.range = words.range;
    clearMessages(box);
    var select = form.elements.technique, list = document.querySelector("#highlight-form select");
    if (select.options.length < 2 && list) { // only "Choose a technique…": copy the others
      select.replaceChildren.apply(select, Array.from(list.children, function (option) {
        return option.cloneNode(true);
      }));
      select.value = "";
    }
    fill(form, words);
    box.querySelector("[data-selection-quote]").textContent = words.quote;
    box.hidden = false;
    if (!box.matches(":popover-open")) {
      box.showPopover();
    }
    place(box, words.range);
    showDefinition(box);
    if (moveFocus) {
      form.elements.technique.focus({preventScroll: true});
    }
  }

  // Escape and Cancel put the focus and the selection back (`restore`); a click elsewhere or
  // the focus moving out of the panel leaves them where the reader put them.
  function close(restore) {
    if (!opened) {
      return;
    }
    var state = opened;
    opened = null;
    lastPointer = ""; // a selection put back is not a new one
    if (state.box.isConnected && state.box.matches(":popover-open")) {
      state.box.hidePopover();
    }
    if (!restore) {
      return;
    }
    var target = state.returnTo && state.returnTo.isConnected ? state.returnTo : textRoot();
    if (target) {
      target.focus({preventScroll: true});
    }
    if (state.range && state.range.startContainer.isConnected) {
      var selection = document.getSelection();
      selection.removeAllRanges();
      selection.addRange(state.range);
    }
  }

  function say(message) {
    var status = document.getElementById("workspace-status");
    if (status) {
      var p = document.createElement("p");
      p.className = "message";
      p.textContent = message;
      status.replaceChildren(p);
    }
  }

  function onKeyDown(event) {
    if (event.key === "Escape" && opened) {
      event.preventDefault();
      close(true);
    } else if (event.code === "KeyH" && event.altKey && event.shiftKey && !event.ctrlKey &&
               !event.metaKey && panel()) {
      event.preventDefault();
      var words = selectedWords();
      if (words) {
        open(words, true);
      } else if (opened) {
        opened.box.querySelector("select").focus();
      } else {
        say("Select words in the text first (with the keyboard: caret browsing, F7), " +
            "or type them in the form below the text.");
      }
    }
  }

  var pointerInText = false;

  function onPointerDown(event) {
    var root = textRoot();
    lastPointer = event.pointerType;
    pointerInText = Boolean(root && root.contains(event.target));
    if (opened && !opened.box.contains(event.target)) {
      close(false);
    }
  }

  function onPointerUp() {
    if (!pointerInText) {
      return;
    }
    pointerInText = false;
    window.setTimeout(function () { // once the browser has settled the selection
      var words = selectedWords();
      if (words) {
        open(words, true);
      }
    }, 0);
  }

  function onFocusOut(event) {
    if (opened && opened.box.contains(event.target) && event.relatedTarget &&
        !opened.box.contains(event.relatedTarget)) {
      close(false);
    }
  }

  function onClick(event) {
    if (event.target.closest("[data-selection-cancel]")) {
      close(true);
    }
  }

  function onChange(event) {
    var box = panel();
    if (box && box.contains(event.target) && event.target.matches("select")) {
      showDefinition(box);
    }
  }

  // ------------------------------------------------------------------ after htmx swaps

  // A refusal answers 4xx with the form again and says where it goes (HX-Retarget): htmx
  // swaps it there (the htmx-config in base.html swaps 4xx). With DEBUG on, django-htmx's
  // debug script listens on the document for 400, 403 and 404 and puts any such answer in
  // place of the whole page, as if it were Django's error page: this listener runs before it
  // (capture phase) and stops it for answers the server placed.
  function keepPlacedRefusals(event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status >= 400 && xhr.status < 500 && xhr.getResponseHeader("HX-Retarget")) {
      event.stopPropagation();
    }
  }

  function keepFocus(event) {
    var box = panel();
    if (box && event.detail.target === box) {
      // The panel's form came back refused: the focus goes to what to fix.
      showDefinition(box);
      var fix = box.querySelector("[aria-invalid=true], input[type=radio]") ||
        box.querySelector("select");
      if (fix) {
        fix.focus({preventScroll: true});
      }
      return;
    }
    if (opened && !opened.box.isConnected) {
      opened = null; // the workspace was swapped, its panel with it
    }
    var status = document.getElementById("workspace-status");
    var form = event.detail.requestConfig && event.detail.requestConfig.elt; // what posted
    var saved = status && event.detail.target === status; // a save answers into the status
    if (saved && form && form.matches("#highlight-form, #selection-form")) {
      empty(form);
      if (opened && opened.box.contains(form)) {
        close(false);
      }
    }
    // The message says what happened: keyboard users carry on from there. So they do when
    // htmx replaced the workspace, or removed the button that had the focus.
    var lost = !document.activeElement || document.activeElement === document.body;
    if (status && (saved || lost)) {
      status.focus();
    }
  }

  var timer = null;
  document.addEventListener("htmx:beforeOnLoad", keepPlacedRefusals, true);
  document.addEventListener("htmx:afterSettle", keepFocus);
  document.addEventListener("selectionchange", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(onSelectionChange, 150);
  });
  document.addEventListener("input", onQuoteTyped);
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("pointerdown", onPointerDown);
  document.addEventListener("pointerup", onPointerUp);
  document.addEventListener("focusout", onFocusOut);
  document.addEventListener("click", onClick);
  document.addEventListener("change", onChange);
  window.addEventListener("resize", function () { // the text flows anew: follow the words
    if (opened && opened.box.isConnected) {
      place(opened.box, opened.range);
    }
  });
})();
