/* The annotator's door: Label Studio's editor on one unit of the person's queue.
   The answer goes to the workbench (which writes it to Label Studio as the person); drafts
   are kept every few seconds; skipping asks for a reason. */
(function () {
  "use strict";
  var boot = JSON.parse(document.getElementById("door-boot").textContent);
  var words = boot.words;
  var message = document.getElementById("door-message");
  var sending = false;
  var lastDraft = JSON.stringify(boot.result || []);
  var store = null;  // the editor's store, handed over once it has loaded

  function say(text, bad) {
    message.textContent = text;
    message.className = "door-message" + (bad ? " bad" : "");
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": boot.csrf,
                "Accept": "application/json"},
      body: JSON.stringify(Object.assign({unit: boot.unit}, body))
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.status === 401 || type.indexOf("application/json") === -1) {
        throw new Error(words.sessionEnded);
      }
      return response.json().then(function (answer) {
        if (!response.ok) { throw new Error(answer.error || response.statusText); }
        return answer;
      });
    });
  }

  function current() {
    var selected = store && store.annotationStore && store.annotationStore.selected;
    return selected ? selected.serializeAnnotation() : null;
  }

  function send(result) {
    if (sending) { return; }
    sending = true;
    say(words.sending, false);
    post(boot.endpoints.submit, {result: result}).then(function (answer) {
      say(words.saved, false);
      window.location.assign(answer.next);
    }).catch(function (err) {
      sending = false;
      say(words.failed + " " + err.message, true);
    });
  }

  function keepDraft() {
    if (boot.readOnly || sending) { return; }
    var result = current();
    if (result === null) { return; }
    var text = JSON.stringify(result);
    if (text === lastDraft) { return; }
    lastDraft = text;
    post(boot.endpoints.draft, {result: result}).then(function () {
      say(words.draftSaved, false);
    }).catch(function (err) { say(words.failed + " " + err.message, true); });
  }

  var skip = document.getElementById("door-skip");
  if (skip) {
    skip.addEventListener("click", function () {
      var reason = window.prompt(words.skipPrompt, "");
      if (reason === null) { return; }
      if (!reason.trim()) { say(words.skipPrompt, true); return; }
      sending = true;
      post(boot.endpoints.skip, {reason: reason}).then(function (answer) {
        window.location.assign(answer.next);
      }).catch(function (err) { sending = false; say(words.failed + " " + err.message, true); });
    });
  }

  function start() {
    var interfaces = ["panel", "controls", "topbar", "annotations:current", "edit-history"];
    if (boot.regions) { interfaces.push("side-column"); }  // the list of marked regions
    if (!boot.readOnly) { interfaces.push(boot.submitted ? "update" : "submit"); }
    new window.LabelStudio("editor", {
      config: boot.config,
      interfaces: interfaces,
      user: {id: boot.user.id, firstName: boot.user.firstName, lastName: "", username: ""},
      task: {id: 1, data: boot.data, annotations: [], predictions: []},
      onLabelStudioLoad: function (ls) {
        store = ls;
        window.labelgateEditor = ls;
        var annotations = ls.annotationStore;
        var annotation = annotations.addAnnotation(boot.submitted && !boot.isDraft
          ? {pk: "1", userGenerate: false} : {userGenerate: true});
        annotations.selectAnnotation(annotation.id);
        if (boot.result && boot.result.length) { annotation.deserializeResults(boot.result); }
        if (boot.readOnly && annotation.setReadonly) { annotation.setReadonly(true); }
      },
      onSubmitAnnotation: function (ls, annotation) { send(annotation.serializeAnnotation()); },
      onUpdateAnnotation: function (ls, annotation) { send(annotation.serializeAnnotation()); }
    });
    window.setInterval(keepDraft, 5000);
  }

  /* Ask webpack's runtime for the editor's chunks and module, as Label Studio's app does. */
  self.webpackChunklabelstudio.push([["labelgate-door"], {}, function (require) {
    Promise.all(boot.editor.chunks.map(function (id) { return require.e(id); }))
      .then(function () { require(boot.editor.entryModule); start(); })
      .catch(function () { say(words.editorFailed, true); });
  }]);
})();
