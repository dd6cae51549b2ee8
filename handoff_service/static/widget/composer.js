// The message box: Enter sends, Shift+Enter a new line, it grows with the text; "start a new chat" after the end.
// (Enter never sends while an IME is composing: Chinese input.)

import { ui } from "./layout.js";
import { submit } from "./sending.js";
import { dropSession } from "./session.js";
import { noteMyTyping, stopMyTyping } from "./typing.js";

function sendFromInput() {
  var text = ui.input.value;
  if (!text.trim()) return;
  stopMyTyping();
  ui.input.value = "";
  autosize();
  ui.send.disabled = true;
  submit(text);
  ui.input.focus();
}

function autosize() {
  ui.input.style.height = "auto";
  ui.input.style.height = Math.min(ui.input.scrollHeight, 120) + "px";
}

export function bindComposer() {
  ui.input.addEventListener("keydown", function (e) {
    // Enter sends; Shift+Enter is a new line; never send while an IME is composing (Chinese input)
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      sendFromInput();
    }
  });
  ui.input.addEventListener("input", function () {
    ui.send.disabled = !ui.input.value.trim();
    if (ui.input.value.trim()) noteMyTyping();
    else stopMyTyping();
    if (!ui.hint.hidden) ui.hint.hidden = true;
    autosize();
  });
  ui.send.addEventListener("click", sendFromInput);
  ui.input.addEventListener("blur", stopMyTyping);

  ui.newChat.addEventListener("click", function () {
    dropSession(true);
    ui.input.value = "";
    autosize();
    ui.send.disabled = true;
    ui.input.focus();
  });
}
