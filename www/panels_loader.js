// Loads the panels below the notebook — training, playground, Flower: the `panels` bin, its own
// wasm, built by trunk with wasm-bindgen's no-modules target — when the page first needs them:
// at once if the address carries a panel's settings (?…) or names a panel (#training), else when
// one of their sections comes within a screen of view. The notebook (the `app` bin) never waits
// for their bytes: on a phone they are most of the page's.
(() => {
  const panels = ['training', 'playground', 'flower'];
  let started = false;
  let observer = null;

  function say(text) {
    for (const id of panels) {
      const loading = document.querySelector(`#${id}-host .panel-loading`);
      if (loading) loading.textContent = text;
    }
  }

  function failed(error) {
    say(`This panel could not load (${error}). Reload the page to try again.`);
    for (const loading of document.querySelectorAll('.panel-host .panel-loading')) loading.classList.add('failed');
  }

  function load() {
    if (started) return;
    started = true;
    if (observer) observer.disconnect();
    say('Loading…');
    const script = document.createElement('script');
    script.src = './panels.js';
    // panels.js declares `wasm_bindgen`; its `main` (src/bin/panels.rs) mounts the panels.
    // Through index.html's fetch: gzipped from a host that compresses nothing.
    const wasm = window.minisyftFetchWasm ? window.minisyftFetchWasm('./panels_bg.wasm') : './panels_bg.wasm';
    if (wasm.catch) wasm.catch(() => {}); // said by `failed` below, once panels.js has loaded
    script.onload = () => wasm_bindgen({ module_or_path: wasm }).catch(e => failed(String(e)));
    script.onerror = () => failed('panels.js could not be fetched');
    document.head.appendChild(script);
  }

  const named = () => panels.includes(location.hash.slice(1));
  if (location.search.length > 1 || named()) {
    load();
    return;
  }
  addEventListener('hashchange', () => { if (named()) load(); });
  observer = new IntersectionObserver(entries => {
    if (entries.some(entry => entry.isIntersecting)) load();
  }, { rootMargin: '100% 0px' });
  for (const id of panels) {
    const section = document.getElementById(id);
    if (section) observer.observe(section);
  }
})();
