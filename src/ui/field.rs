//! A form field whose text the page sets only when its setting changes. Yew re-applies an
//! input's `value` on every render (it compares with the DOM), and the panels re-render every
//! round: a controlled input would undo each keystroke while a run plays.

use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FieldProps {
    pub name: AttrValue,
    /// The setting's value: written into the field when it changes, and at first.
    pub value: AttrValue,
    /// The input's `type` (text when absent).
    #[prop_or_default]
    pub kind: Option<AttrValue>,
    #[prop_or_default]
    pub min: Option<AttrValue>,
    #[prop_or_default]
    pub max: Option<AttrValue>,
    #[prop_or_default]
    pub step: Option<AttrValue>,
    #[prop_or_default]
    pub placeholder: Option<AttrValue>,
    #[prop_or_default]
    pub disabled: bool,
    pub onchange: Callback<Event>,
}

#[function_component(Field)]
pub fn field(props: &FieldProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with(props.value.clone(), move |value| {
            if let Some(input) = node.cast::<HtmlInputElement>() {
                input.set_value(value);
            }
        });
    }
    html! {
        <input ref={node} name={props.name.clone()} type={props.kind.clone()} min={props.min.clone()}
            max={props.max.clone()} step={props.step.clone()} placeholder={props.placeholder.clone()}
            disabled={props.disabled} onchange={props.onchange.clone()} />
    }
}
