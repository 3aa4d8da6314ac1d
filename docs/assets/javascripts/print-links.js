/* Printed pages show where each link in the text leads (print.css). A link's
   href is often relative ("../price/"), which means nothing on paper, so each
   one's resolved address goes in data-lt-print; it stays empty where the link's
   own text already gives the address (an email address, a web address). */
(function () {
  "use strict";
  var links = document.querySelectorAll(".md-content__inner a[href]:not(.md-button):not(.md-tag)");
  Array.prototype.forEach.call(links, function (link) {
    var target = new URL(link.getAttribute("href"), location.href);
    var sameDocument = target.href.split("#")[0] === location.href.split("#")[0];
    var address = target.protocol === "mailto:" ? decodeURIComponent(target.pathname) : target.href;
    var said = link.textContent.indexOf(address) !== -1 || sameDocument ||
      !/^(https?|mailto):$/.test(target.protocol);
    link.setAttribute("data-lt-print", said ? "" : address);
  });
})();
