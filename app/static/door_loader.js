/* Load Label Studio's main chunk for its modules only: drop the entry callback that would
   start Label Studio's whole web app. Runs after webpack's runtime, before vendor and main. */
(function () {
  "use strict";
  var mainChunk = Number(document.currentScript.getAttribute("data-main-chunk"));
  var queue = self.webpackChunklabelstudio = self.webpackChunklabelstudio || [];
  var push = queue.push;
  queue.push = function (entry) {
    if (entry && entry[0] && entry[0].indexOf(mainChunk) !== -1 && entry.length > 2) {
      entry = [entry[0], entry[1]];
    }
    return push.call(this, entry);
  };
})();
