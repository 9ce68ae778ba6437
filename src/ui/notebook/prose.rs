//! The seed's prose between its cells: headings (`# Lesson: …`) and paragraphs, as the notebook
//! shows its markdown.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProseProps {
    pub text: std::rc::Rc<str>,
}

#[function_component(Prose)]
pub fn prose(props: &ProseProps) -> Html {
    if props.text.trim().is_empty() {
        return html! {};
    }
    let paragraphs = props.text.split("\n\n").map(str::trim).filter(|p| !p.is_empty());
    html! {
        <div class="prose">
            { for paragraphs.map(|paragraph| {
                let level = paragraph.chars().take_while(|c| *c == '#').count();
                let text = paragraph.trim_start_matches('#').trim().to_owned();
                match level {
                    1 => html! { <h3>{ text }</h3> },
                    2 | 3 => html! { <h4>{ text }</h4> },
                    _ => html! { <p>{ paragraph.to_owned() }</p> },
                }
            }) }
        </div>
    }
}
