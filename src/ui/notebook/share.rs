//! The notebook as a link: "Link to this notebook" puts what the learner changed into the page's
//! address (its fragment, `crate::notebook::link`), and a page opened at such an address starts
//! from those changes; parts it cannot apply are said, not dropped silently.

use yew::prelude::*;

use super::state::Cells;
use crate::error::Error;
use crate::notebook::link::{from_fragment, to_fragment, LinkCell};
use crate::notebook::seed::cells;

/// The changes in the page's address, and the parts refused.
pub fn read_address() -> (Vec<LinkCell>, Vec<Error>) {
    let fragment = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    let numbers: Vec<u32> = cells().iter().map(|c| c.number).collect();
    from_fragment(&fragment, &numbers)
}

/// Replaces the address's fragment, keeping its path and query (the other panels' settings), and
/// without a history entry: Back still leaves what the learner came from.
fn write_address(fragment: &str) {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let base = format!("{}{}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
    let url = if fragment.is_empty() { base } else { format!("{base}#{fragment}") };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

#[derive(Properties, PartialEq)]
pub struct ShareProps {
    pub cells: UseReducerHandle<Cells>,
    /// Parts of the address the page opened with that could not apply.
    pub refused: std::rc::Rc<Vec<Error>>,
}

#[function_component(ShareLink)]
pub fn share_link(props: &ShareProps) -> Html {
    let said = use_state(|| None::<String>);
    let onclick = {
        let (cells, said) = (props.cells.clone(), said.clone());
        Callback::from(move |_| {
            let changes = cells.link();
            write_address(&to_fragment(&changes));
            said.set(Some(match changes.len() {
                0 => "Nothing to share yet: every cell is the seed's, so the address is the page's own.".to_owned(),
                n => format!(
                    "The page's address now holds your {n} change{}: copy it from the address bar to share this notebook.",
                    if n == 1 { "" } else { "s" }
                ),
            }));
        })
    };
    html! {
        <>
            <button class="share" {onclick} title="Put your edits and your own cells into the page's address">{ "Link to this notebook" }</button>
            if let Some(text) = &*said {
                <span class="note share-said" role="status">{ text.clone() }</span>
            }
            if !props.refused.is_empty() {
                <div class="link-refused" role="alert">
                    <p>{ "Some parts of this notebook's link could not be applied; the seed's cells are shown there instead:" }</p>
                    <ul>{ for props.refused.iter().map(|e| html! { <li>{ e.to_string() }</li> }) }</ul>
                </div>
            }
        </>
    }
}
