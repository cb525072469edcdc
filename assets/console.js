// The console page's bridge to noVNC (served from the panel's own origin under /novnc/, copied
// there from npm's @novnc/novnc by .ci/build). Loaded only by /instances/{id}/console, by the page's
// own WebAssembly chunk, so no other page downloads it. It exposes `window.ZenithConsole.open`,
// which the page calls with the session's WebSocket address and callbacks; everything else (what
// the keys type, the words for each state) is the page's.
import RFB from '/novnc/core/rfb.js';

function open(target, url, viewOnly, onState, onKey) {
    const rfb = new RFB(target, url, { shared: true });
    rfb.viewOnly = viewOnly;
    rfb.scaleViewport = true;
    rfb.clipViewport = false;
    rfb.focusOnClick = !viewOnly;
    rfb.background = 'transparent';
    rfb.addEventListener('connect', () => onState('connected', ''));
    rfb.addEventListener('disconnect', (e) => onState('disconnected', e.detail && e.detail.clean ? 'clean' : 'lost'));
    rfb.addEventListener('securityfailure', (e) => onState('refused', (e.detail && e.detail.reason) || ''));
    rfb.addEventListener('credentialsrequired', () => { onState('refused', 'the console asked for a password'); rfb.disconnect(); });
    // Every key the customer presses goes through the page first, which types it as the keys that
    // make the same character on the instance's layout (app/src/model/keyboard.rs). noVNC has no
    // public hook for this; `_keyboard.onkeyevent` is where its own handler is attached.
    if (onKey && rfb._keyboard) {
        rfb._keyboard.onkeyevent = (keysym, code, down) => onKey(keysym, code, down);
    }
    return {
        key(keysym, code, down) { rfb.sendKey(keysym, code, down); },
        setScaled(on) { rfb.scaleViewport = on; },
        focus() { rfb.focus(); },
        close() { rfb.disconnect(); },
    };
}

window.ZenithConsole = { open };
