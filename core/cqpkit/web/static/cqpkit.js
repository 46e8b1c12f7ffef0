// cqpkit's pages: the one script. A form with data-live is checked as it is filled in: its fields are sent
// (action=verifier, header X-Cqpkit-Fragment) to data-live, and the findings the server answers replace the
// element whose id is data-target. Without JavaScript the forms work the same, with a page load.
(function () {
  "use strict";
  function live(form) {
    var target = document.getElementById(form.getAttribute("data-target"));
    if (!target) return;
    var timer = null;
    var seq = 0;
    function check() {
      var data = new FormData(form);
      data.set("action", "verifier");
      var mine = ++seq;
      fetch(form.getAttribute("data-live"), {method: "POST", body: data, headers: {"X-Cqpkit-Fragment": "1"}, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null && mine === seq) target.innerHTML = html; })
        .catch(function () {});
    }
    function later() { clearTimeout(timer); timer = setTimeout(check, 300); }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
  }
  var forms = document.querySelectorAll("form[data-live]");
  for (var i = 0; i < forms.length; i++) live(forms[i]);
})();
