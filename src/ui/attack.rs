//! The attacker's view: what the central server reconstructs, from exactly what it received, of
//! each worker's training rows — next to the true rows. In send/get mode the rows come back within
//! a few rounds, as the seed warns; when only an average arrives there is nothing of one worker's
//! to invert.

use yew::prelude::*;

use crate::federated::toy_data;
use crate::privacy::attack::{reconstruct, Observation};

#[derive(Properties, PartialEq)]
pub struct AttackProps {
    /// For each worker, with the index of its first row in the toy data: what the server observed.
    pub workers: Vec<(String, usize, Vec<Observation>)>,
    pub aggregating: bool,
}

fn truth(first_row: usize) -> [([f64; 2], f64); 2] {
    let (data, target) = toy_data();
    let (x, y) = (data.to_f32_vec(), target.to_f32_vec());
    let row = |i: usize| {
        let at = |k: usize| x.get(k).copied().map_or(f64::NAN, f64::from);
        ([at(2 * i), at(2 * i + 1)], y.get(i).copied().map_or(f64::NAN, f64::from))
    };
    [row(first_row), row(first_row + 1)]
}

fn rows_text(rows: &[([f64; 2], f64); 2]) -> String {
    // No "-0.000": a value that rounds to zero prints as zero.
    let show = |v: f64| if v.abs() < 0.0005 { "0.000".to_owned() } else { format!("{v:.3}") };
    rows.iter().map(|(x, y)| format!("[{}, {}] → {}", show(x[0]), show(x[1]), show(*y))).collect::<Vec<_>>().join("; ")
}

#[function_component(AttackView)]
pub fn attack_view(props: &AttackProps) -> Html {
    let fits = use_memo(props.workers.clone(), |workers| {
        workers
            .iter()
            .map(|(name, first, seen)| (name.clone(), *first, seen.len(), reconstruct(seen)))
            .collect::<Vec<_>>()
    });
    html! {
        <section class="attack" aria-label="the attacker's view">
            <h3>{ "What the server can reconstruct (gradient inversion)" }</h3>
            if props.aggregating {
                <p class="attack-none">{ "The server received no worker's model or gradients this run — only what the list below shows — so there is nothing of one worker's to invert." }</p>
            } else {
                <p class="note">{ "From each worker's returned gradients and loss, and the model it sent, the server fits the two rows and targets that explain them (Levenberg–Marquardt over six unknowns). The true rows are shown for comparison: the attack never sees them." }</p>
                <div class="table-scroll"><table class="attack-table">
                    <thead><tr><th>{ "worker" }</th><th>{ "rounds seen" }</th><th>{ "reconstructed rows → targets" }</th><th>{ "true rows → targets" }</th><th>{ "largest error" }</th></tr></thead>
                    <tbody>
                        { for fits.iter().map(|(name, first, seen, fit)| {
                            let truth = truth(*first);
                            let (text, error) = match fit {
                                Some(fit) => (rows_text(&fit.rows), fit.error_against(truth)),
                                None => ("–".to_owned(), f64::NAN),
                            };
                            let verdict = if error < 0.01 { "restored" } else if error.is_finite() { "not yet" } else { "" };
                            html! {
                                <tr data-worker={name.clone()} data-error={error.to_string()}>
                                    <td data-label="worker">{ name }</td><td data-label="rounds seen">{ seen }</td>
                                    <td data-label="reconstructed"><code>{ text }</code></td><td data-label="true"><code>{ rows_text(&truth) }</code></td>
                                    <td data-label="largest error" class={classes!("verdict", (error < 0.01).then_some("restored"))}>{ if error.is_finite() { format!("{error:.4} {verdict}") } else { "–".into() } }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table></div>
            }
        </section>
    }
}
