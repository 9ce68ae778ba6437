//! Pointer chains as arrows: one column per worker, one box per object, an arrow from every pointer
//! to the object it points at (red when that object is gone).

use yew::prelude::*;

use super::snapshot::WorkerView;
use crate::client::StoreObject;
use crate::ids::ObjectId;

const COLUMN: f64 = 170.0;
const ROW: f64 = 26.0;
const TOP: f64 = 34.0;
const BOX_W: f64 = 120.0;
const BOX_H: f64 = 20.0;

#[derive(Properties, PartialEq)]
pub struct GraphProps {
    pub workers: Vec<WorkerView>,
}

fn position(workers: &[WorkerView], worker: &str, id: ObjectId) -> Option<(f64, f64)> {
    let column = workers.iter().position(|w| w.id == worker)?;
    let row = workers[column].objects.iter().position(|o| o.id() == id)?;
    Some((10.0 + column as f64 * COLUMN, TOP + row as f64 * ROW))
}

#[function_component(PointerGraph)]
pub fn pointer_graph(props: &GraphProps) -> Html {
    let workers = &props.workers;
    let rows = workers.iter().map(|w| w.objects.len()).max().unwrap_or(0).max(1);
    let width = 20.0 + workers.len() as f64 * COLUMN;
    let height = TOP + rows as f64 * ROW + 10.0;
    let mut arrows = Vec::new();
    for worker in workers {
        for object in &worker.objects {
            if let StoreObject::Pointer { location, id_at_location } = &object.entry.object {
                let Some((x1, y1)) = position(workers, &worker.id, object.id()) else { continue };
                let start = (x1 + BOX_W, y1 + BOX_H / 2.0);
                let (end, dangling) = match position(workers, location, *id_at_location) {
                    Some((x2, y2)) => ((x2, y2 + BOX_H / 2.0), false),
                    None => {
                        let column = workers.iter().position(|w| &w.id == location).unwrap_or(0);
                        ((10.0 + column as f64 * COLUMN, TOP - 8.0), true)
                    }
                };
                let bend = ((end.0 - start.0).abs() / 2.0).max(30.0);
                let path = format!(
                    "M{:.1},{:.1} C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
                    start.0,
                    start.1,
                    start.0 + bend,
                    start.1,
                    end.0 - bend,
                    end.1,
                    end.0,
                    end.1
                );
                arrows.push(html! {
                    <path class={classes!("arrow", dangling.then_some("dangling"))} d={path}
                          data-from={format!("{}:{}", worker.id, object.id())}
                          data-to={format!("{location}:{id_at_location}")} marker-end="url(#head)" />
                });
            }
        }
    }
    // A secret-shared value is one object spread over its holders: one box around its share pointers.
    let mut groups: Vec<(usize, usize, usize)> = Vec::new();
    if let Some(me) = workers.first() {
        for (row, object) in me.objects.iter().enumerate() {
            let Some(value) = object.shared_value else { continue };
            match groups.iter_mut().find(|(v, _, _)| *v == value) {
                Some((_, _, last)) => *last = row,
                None => groups.push((value, row, row)),
            }
        }
    }
    html! {
        <svg class="graph" viewBox={format!("0 0 {width} {height}")} role="img"
             aria-label="pointer chains: an arrow from every pointer to what it points at">
            <defs>
                <marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M0,0 L10,5 L0,10 z" />
                </marker>
            </defs>
            // Arrows first: an arrow that crosses another worker's column passes under its boxes,
            // so every id stays readable however many chains there are.
            { for arrows }
            { for workers.iter().enumerate().map(|(c, w)| {
                let x = 10.0 + c as f64 * COLUMN;
                html! {
                    <g class="column">
                        <text class="worker-name" x={x.to_string()} y="18">{ w.id.to_string() }</text>
                        { for w.objects.iter().enumerate().map(|(r, o)| {
                            let y = TOP + r as f64 * ROW;
                            let class = o.entry.object.kind_name();
                            html! {
                                <g class={classes!("node", class)}>
                                    <rect x={x.to_string()} y={y.to_string()} width={BOX_W.to_string()} height={BOX_H.to_string()} rx="4" />
                                    <text x={(x + 6.0).to_string()} y={(y + 14.0).to_string()}>{ o.id().to_string() }</text>
                                </g>
                            }
                        }) }
                    </g>
                }
            }) }
            { for groups.iter().map(|&(value, first, last)| {
                let (y, h) = (TOP + first as f64 * ROW - 3.0, (last - first) as f64 * ROW + BOX_H + 6.0);
                html! {
                    <g class="shared-value" data-shares={(last - first + 1).to_string()}>
                        <rect x="6" y={y.to_string()} width={(BOX_W + 8.0).to_string()} height={h.to_string()} rx="6" />
                        <text x={(BOX_W + 10.0).to_string()} y={(y + 13.0).to_string()} text-anchor="end">{ "shared" }</text>
                        <title>{ format!("shared value {}: one value, one share on each of {} holders", value + 1, last - first + 1) }</title>
                    </g>
                }
            }) }
        </svg>
    }
}
