// /dev/mail: sizes each email's frame to the email, so the page scrolls and the frame never does.
// The page's Content-Security-Policy allows no inline script, so this file is served from /assets.
// The frame may not run scripts, but it is same-origin, so this page can measure its document.
for (const frame of document.querySelectorAll('iframe.app-mail-frame')) {
  const fit = () => {
    const root = frame.contentDocument?.documentElement;
    // The root element's own box is as tall as the email, whatever the frame's height (scrollHeight never shrinks below it).
    if (root) frame.style.height = `${Math.ceil(root.getBoundingClientRect().height)}px`;
  };
  const watch = () => {
    fit();
    // A narrower frame makes the email taller: refit whenever the email's size changes.
    new ResizeObserver(fit).observe(frame.contentDocument.documentElement);
  };
  frame.addEventListener('load', watch);
  // The email may have loaded before this module ran; before that the frame holds an empty about:blank.
  if (frame.contentDocument?.URL === 'about:srcdoc' && frame.contentDocument.readyState === 'complete') watch();
}
