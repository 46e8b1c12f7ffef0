// cqpkit's pages: the one script. Without JavaScript every form works the same, with a page load.
// - A form with data-live is checked as it is filled in: its fields are sent (action=verifier, header
//   X-Cqpkit-Fragment) to data-live, and the findings the server answers replace the element whose id is data-target.
// - A session's decision form is rendered once per certification in a <template> (docs/web.md): each element with
//   data-decide (the template's id) is replaced by a copy of that form for its candidate — data-dossier, data-n (the
//   suffix of its fields' ids and of its findings' data-target), data-decisions (the decisions in force, JSON). The
//   element holds a link to the candidate's decision page, which is what a browser without JavaScript follows.
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
  function decisionForm(slot) {
    var template = document.getElementById(slot.getAttribute("data-decide"));
    if (!template || !template.content || !template.content.querySelector("form")) return;
    var form = template.content.querySelector("form").cloneNode(true);
    var n = slot.getAttribute("data-n");
    var dossier = slot.getAttribute("data-dossier");
    var chosen = {};
    try { chosen = JSON.parse(slot.getAttribute("data-decisions") || "{}"); } catch (e) { chosen = {}; }
    function suffixed(value) { return value.replace(/-N(-|$)/, "-" + n + "$1"); }
    form.setAttribute("aria-label", "Décisions pour " + dossier);
    form.setAttribute("data-target", suffixed(form.getAttribute("data-target")));
    form.querySelector("input[name=dossier]").value = dossier;
    var named = form.querySelectorAll("[id]");
    for (var i = 0; i < named.length; i++) named[i].id = suffixed(named[i].id);
    var labels = form.querySelectorAll("label[for]");
    for (var j = 0; j < labels.length; j++) labels[j].htmlFor = suffixed(labels[j].htmlFor);
    var selects = form.querySelectorAll("select[name^=decision_]");
    for (var k = 0; k < selects.length; k++) {
      var value = chosen[selects[k].name.slice("decision_".length)];
      if (value) selects[k].value = value;
    }
    slot.parentNode.replaceChild(form, slot);
  }
  var slots = document.querySelectorAll("[data-decide]");
  for (var s = 0; s < slots.length; s++) decisionForm(slots[s]);
  var forms = document.querySelectorAll("form[data-live]");
  for (var i = 0; i < forms.length; i++) live(forms[i]);
})();
