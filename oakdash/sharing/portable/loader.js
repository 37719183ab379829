// oakdash portable replay: unpack the recording embedded in this file (gzip, base64, in pieces)
// with DecompressionStream and play it with rrweb-player. No network: everything is in the file.
(function () {
  "use strict";
  var status = document.getElementById("status");
  var target = document.getElementById("player");

  function bytesOf(text) {
    var binary = atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  async function unpack() {
    var pieces = document.querySelectorAll("script.oakdash-events");
    var next = 0;
    var compressed = new ReadableStream({
      pull: function (controller) {
        if (next < pieces.length) controller.enqueue(bytesOf(pieces[next++].textContent.trim()));
        else controller.close();
      },
    });
    var reader = compressed
      .pipeThrough(new DecompressionStream("gzip"))
      .pipeThrough(new TextDecoderStream())
      .getReader();
    var events = [];
    var problem = "";
    var partial = "";
    function take(line) {
      if (!line.trim()) return;
      var item = JSON.parse(line);
      if (item && !("type" in item) && "error" in item) problem = String(item.error);
      else events.push(item);
    }
    for (;;) {
      var read = await reader.read();
      if (read.done) break;
      partial += read.value;
      var lines = partial.split("\n");
      partial = lines.pop();
      lines.forEach(take);
    }
    take(partial);
    return { events: events, problem: problem };
  }

  unpack().then(function (result) {
    if (result.events.length < 2) throw new Error(result.problem || "the file holds no playable recording");
    var width = Math.max(320, Math.min(target.clientWidth || 1024, 1280));
    var player = new window.rrwebPlayer.Player({
      target: target,
      props: { events: result.events, width: width, height: Math.round(width * 0.6), autoPlay: true, skipInactive: true, showWarning: false },
    });
    window.oakdashPortable = player;
    document.body.setAttribute("data-state", "playing");
    status.textContent = result.events.length.toLocaleString() + " events" +
      (result.problem ? " · the export is incomplete: " + result.problem : "");
  }).catch(function (error) {
    document.body.setAttribute("data-state", "failed");
    status.textContent = "The recording could not be unpacked (" + (error && error.message ? error.message : error) + ").";
  });
})();
