//! The lesson stepper: every lesson of the seed in order; each step shows the seed's Python, the
//! minisyft Rust, a Run button and the output.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use yew::prelude::*;

use crate::lessons::{all, Lesson};

pub fn lessons() -> &'static [Lesson] {
    static LESSONS: OnceLock<Vec<Lesson>> = OnceLock::new();
    LESSONS.get_or_init(all)
}

#[derive(Clone, PartialEq)]
pub struct StepOutput {
    pub ok: bool,
    pub text: String,
}

#[derive(Properties, PartialEq)]
pub struct LessonsProps {
    pub selected: usize,
    pub outputs: BTreeMap<(usize, usize), StepOutput>,
    pub busy: bool,
    pub on_select: Callback<usize>,
    /// (lesson, step)
    pub on_run: Callback<(usize, usize)>,
    pub on_run_lesson: Callback<usize>,
}

#[function_component(LessonsPanel)]
pub fn lessons_panel(props: &LessonsProps) -> Html {
    let lessons = lessons();
    let selected = props.selected.min(lessons.len().saturating_sub(1));
    let Some(lesson) = lessons.get(selected) else { return html! {} };
    html! {
        <div class="lessons">
            <nav class="lesson-list" aria-label="lessons">
                <ol>
                    { for lessons.iter().enumerate().map(|(i, l)| {
                        let on_select = props.on_select.clone();
                        html! {
                            <li>
                                <button class={classes!("lesson-tab", (i == selected).then_some("selected"))}
                                        aria-current={(i == selected).then_some("page")}
                                        data-lesson={l.slug} onclick={Callback::from(move |_| on_select.emit(i))}>
                                    { l.title }
                                </button>
                            </li>
                        }
                    }) }
                </ol>
            </nav>
            <div class="lesson" data-lesson={lesson.slug}>
                <header>
                    <h2>{ lesson.title }</h2>
                    <button class="run-lesson" disabled={props.busy} onclick={
                        let run = props.on_run_lesson.clone();
                        Callback::from(move |_| run.emit(selected))
                    }>{ "Run every step" }</button>
                </header>
                <p class="note code-note">{ "Each step shows the seed's Python and the very Rust that runs (read from minisyft's source). In the Rust, " }<code>{ "s" }</code>{ " is the notebook: " }<code>{ "s.worker(\"bob\")" }</code>{ " is bob, " }<code>{ "s.set" }</code>{ " names a value for later cells." }</p>
                { for lesson.steps.iter().enumerate().map(|(j, step)| {
                    let output = props.outputs.get(&(selected, j));
                    let run = props.on_run.clone();
                    html! {
                        <article class="step" data-cell={step.cell}>
                            <div class="cell-head">
                                <span class="cell">{ step.cell }</span>
                                <button class="run" disabled={props.busy} aria-label={format!("Run {}", step.cell)}
                                        onclick={Callback::from(move |_| run.emit((selected, j)))}>{ "Run ▶" }</button>
                            </div>
                            <div class="code">
                                <figure><figcaption>{ "PySyft" }</figcaption><pre class="python">{ step.python }</pre></figure>
                                <figure><figcaption>{ "minisyft" }</figcaption><pre class="rust">{ step.rust.clone() }</pre></figure>
                            </div>
                            if let Some(output) = output {
                                <pre class={classes!("output", (!output.ok).then_some("failed"))} aria-live="polite">{ &output.text }</pre>
                            }
                        </article>
                    }
                }) }
            </div>
        </div>
    }
}
