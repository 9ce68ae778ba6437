//! What the global model gets wrong on the held-out digits: a grid of the digits it misreads,
//! each with what it said, and the confusion matrix (true digit by row, the model's answer by
//! column) — where a learner sees which digits it confuses, round by round.

use yew::prelude::*;

use super::heatmap::bitmap_url;
use crate::playground::digits::CLASSES;

/// One held-out digit: its pixels (0..=1, row by row), its class and the model's answer.
#[derive(Clone, PartialEq)]
pub struct Judged {
    pub image: Vec<f32>,
    pub truth: usize,
    pub said: usize,
}

/// The most misread digits shown.
const SHOWN: usize = 32;

/// An 8×8 digit as a picture: dark ink on white.
pub(super) fn digit_url(image: &[f32]) -> String {
    bitmap_url(8, 8, |row, col| {
        let ink = image.get(row * 8 + col).copied().unwrap_or(0.0).clamp(0.0, 1.0);
        let level = (255.0 * (1.0 - ink)).round() as u8;
        [level, level, level]
    })
}

#[derive(Properties, PartialEq)]
pub struct MistakesProps {
    pub results: Vec<Judged>,
}

#[function_component(Mistakes)]
pub fn mistakes(props: &MistakesProps) -> Html {
    if props.results.is_empty() {
        return html! {
            <section class="pg-digits" aria-label="the model's mistakes on held-out digits">
                <p class="note">{ "After the first round: the held-out digits the global model misreads, and its confusion matrix." }</p>
            </section>
        };
    }
    let wrong: Vec<&Judged> = props.results.iter().filter(|j| j.truth != j.said).collect();
    let total = props.results.len();
    html! {
        <section class="pg-digits" aria-label="the model's mistakes on held-out digits">
            <h3>{ format!("Held-out digits it misreads: {} of {total}", wrong.len()) }</h3>
            <div class="digit-grid">
                { for wrong.iter().take(SHOWN).map(|j| html! {
                    <figure class="digit">
                        <img src={digit_url(&j.image)} alt={format!("a handwritten {}", j.truth)} width="40" height="40" />
                        <figcaption>{ format!("said {}", j.said) }<span class="truth">{ format!("is {}", j.truth) }</span></figcaption>
                    </figure>
                }) }
            </div>
            if wrong.len() > SHOWN { <p class="note">{ format!("and {} more", wrong.len() - SHOWN) }</p> }
            <Confusion results={props.results.clone()} />
        </section>
    }
}

/// Counts of (true digit, answer).
fn confusion(results: &[Judged]) -> [[usize; CLASSES]; CLASSES] {
    let mut counts = [[0; CLASSES]; CLASSES];
    for j in results {
        if let Some(cell) = counts.get_mut(j.truth).and_then(|row| row.get_mut(j.said)) {
            *cell += 1;
        }
    }
    counts
}

#[function_component(Confusion)]
fn confusion_matrix(props: &MistakesProps) -> Html {
    let counts = confusion(&props.results);
    let most = counts.iter().flatten().copied().max().unwrap_or(1).max(1);
    let cell = |truth: usize, said: usize, count: usize| {
        let class = if count == 0 {
            "zero"
        } else if truth == said {
            "right"
        } else {
            "wrong"
        };
        // Darker for more: the diagonal in green, confusions in red.
        let strength = (count as f64 / most as f64).sqrt();
        let style = match class {
            "right" => format!("background: rgba(46, 139, 87, {strength:.2})"),
            "wrong" => format!("background: rgba(200, 60, 40, {:.2})", (strength * 2.0).min(1.0)),
            _ => String::new(),
        };
        html! { <td class={class} style={style}>{ count }</td> }
    };
    html! {
        <table class="confusion">
            <caption>{ "Confusion matrix: a row per true digit, a column per answer" }</caption>
            <thead><tr><th scope="col">{ "is \\ said" }</th>{ for (0..CLASSES).map(|c| html! { <th scope="col">{ c }</th> }) }</tr></thead>
            <tbody>
                { for counts.iter().enumerate().map(|(truth, row)| html! {
                    <tr><th scope="row">{ truth }</th>{ for row.iter().enumerate().map(|(said, &count)| cell(truth, said, count)) }</tr>
                }) }
            </tbody>
        </table>
    }
}
