//! The message timeline: who sent what to whom, how many tensor bytes; worker-to-worker traffic
//! (which never passes through the page) is marked.

use yew::prelude::*;

use crate::runtime::MessageEvent;

#[derive(Properties, PartialEq)]
pub struct MessagesProps {
    pub messages: Vec<MessageEvent>,
    pub total: usize,
}

#[function_component(MessagesPanel)]
pub fn messages_panel(props: &MessagesProps) -> Html {
    html! {
        <div class="messages">
            <p class="legend">
                <span class="via-page">{ "through the page" }</span>
                <span class="direct">{ "worker to worker (direct MessageChannel)" }</span>
                <span>{ format!("{} messages in all; newest first, the last {} shown (store listings hidden)", props.total, props.messages.len()) }</span>
            </p>
            <ol class="timeline" reversed=true start={props.total.to_string()}>
                { for props.messages.iter().rev().map(|m| html! {
                    <li class={classes!("message", if m.is_worker_to_worker() { "direct" } else { "via-page" })}>
                        <span class="route">{ format!("{} → {}", m.from, m.to) }</span>
                        <span class="kind">{ m.kind.to_string() }</span>
                        <span class="ids">{ m.ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ") }</span>
                        <span class="bytes">{ if m.bytes > 0 { format!("{} B", m.bytes) } else { String::new() } }</span>
                    </li>
                }) }
            </ol>
        </div>
    }
}
