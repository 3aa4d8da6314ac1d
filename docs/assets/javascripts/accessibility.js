/* Keyboard and screen-reader fixes to Material for MkDocs 9.8's controls
   (checked by tests/browser/test_accessibility.py).

   - The drawer (the navigation on phones and tablets) opens from the button
     overrides/partials/header.html adds in place of Material's <label>, which
     the keyboard cannot reach. The button says whether the drawer is open,
     and Escape closes the drawer and returns to the button.
   - The light/dark toggle answers Space as well as Enter. Material draws it as
     radio buttons, one per scheme, each named for the switch it makes, and
     switches on Enter only; Space on the focused (already chosen) radio button
     did nothing, or chose the scheme already shown.
   - The published versions' selector, which Material draws after the page has
     loaded, is named after the cohort it shows ("Cohort 2 (2026–27): choose a
     cohort") instead of "Select version": the name a speech-input user says
     is then the text they see on it (WCAG 2.5.3). */
(function () {
  "use strict";

  function setUpDrawerToggle() {
    var drawer = document.getElementById("__drawer");
    var button = document.querySelector("[data-lt-drawer-toggle]");
    var label = document.querySelector("[data-lt-drawer-label]");
    if (!drawer || !button) {
      return;
    }
    function showState() {
      button.setAttribute("aria-expanded", drawer.checked ? "true" : "false");
    }
    button.hidden = false;
    if (label) {
      label.hidden = true;
    }
    // Clicking the checkbox (not setting it) sends the change event Material listens to.
    button.addEventListener("click", function () { drawer.click(); });
    drawer.addEventListener("change", showState);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && drawer.checked) {
        drawer.click();
        if (button.offsetParent !== null) {
          button.focus();
        }
      }
    });
    showState();
  }

  function nameVersionSelector(selector) {
    var current = selector.querySelector(".md-version__current");
    if (!current || current.hasAttribute("data-lt-named")) {
      return;
    }
    var shown = current.textContent.replace(/\s+/g, " ").trim();
    var alias = current.querySelector(".md-version__alias");
    if (alias) {
      // The alias ("latest") is a separate element: keep a space before it.
      var title = shown.slice(0, shown.length - alias.textContent.trim().length).trim();
      shown = title + " " + alias.textContent.trim();
    }
    current.setAttribute("aria-label", shown + ": choose a cohort");
    current.setAttribute("data-lt-named", "");
  }

  function watchForVersionSelector() {
    var topic = document.querySelector(".md-header__topic");
    if (!topic) {
      return;
    }
    function nameIfPresent() {
      var selector = topic.querySelector(".md-version");
      if (selector) {
        nameVersionSelector(selector);
      }
    }
    // Material adds the selector once versions.json has arrived.
    new MutationObserver(nameIfPresent).observe(topic, { childList: true, subtree: true });
    nameIfPresent();
  }

  function setUpSchemeToggleSpace() {
    var palette = document.querySelector("[data-md-component=palette]");
    if (!palette) {
      return;
    }
    palette.addEventListener("keydown", function (event) {
      if (event.key !== " " || !event.target.classList.contains("md-option")) {
        return;
      }
      // What Enter does (Material): choose the next scheme and keep the focus on it.
      event.preventDefault();
      var options = Array.prototype.slice.call(palette.querySelectorAll("input.md-option"));
      var shown = options.filter(function (option) {
        return option.nextElementSibling && !option.nextElementSibling.hidden;
      })[0];
      var next = options[(options.indexOf(shown) + 1) % options.length];
      next.click();
      next.focus();
    });
  }

  setUpDrawerToggle();
  setUpSchemeToggleSpace();
  watchForVersionSelector();
})();
