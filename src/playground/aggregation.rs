//! How the trained clients become the next global model, in the four modes of the privacy lab,
//! for any model and any number of clients:
//! - `Plain`: every client's model comes back to `me`, who averages them (FedAvg, weighted by
//!   examples). `me` sees each model: the gradient-inversion attack's way in.
//! - `UntrustedServer`: each client scales its model by its weight and moves it to the `server`
//!   worker, which adds them up; `me` receives the average and each client's loss.
//! - `Secure`: each client scales its model, puts it in fixed precision and secret-shares it among
//!   a committee (the server and two participants); the shares are added where they lie and only
//!   the sum is opened. No model and no loss reaches anyone.
//! - `DifferentialPrivacy`: each client clips its update (trained − global) to norm S on its
//!   worker; the server adds them up with Gaussian noise N(0, (zS)²) from its cryptographic RNG;
//!   `me` receives the noisy mean update (central DP: unweighted, so one client moves the sum by
//!   at most S whatever its size).

use super::local_training::Trained;
pub use super::setup::Aggregation;
use super::setup::Setup;
use crate::client::{join_all, Pointer, WorkerHandle};
use crate::error::{Error, Result};
use crate::privacy::sharing::SharedTensor;
use crate::protocol::WorkerId;
use crate::tensor::Tensor;

/// Fixed precision of the shared models: 6 fractional digits, as in the lesson's secure mode.
const SECURE_AGGREGATION_SCALE: i64 = 1_000_000;

/// The next global parameters and what `me` learned on the way.
pub(super) struct Aggregated {
    pub parameters: Vec<Tensor>,
    /// Each client's last local loss, where the mode lets it reach `me`.
    pub client_losses: Vec<(WorkerId, f64)>,
    /// What reached `me` this round, said in words.
    pub received: String,
    /// Each client's model as `me` received it (index into the round's trained clients): only
    /// in the plain mode, where they reach `me`.
    pub client_models: Vec<(usize, Vec<Tensor>)>,
}

impl Setup {
    pub(super) async fn aggregate(&self, trained: &[Trained]) -> Result<Aggregated> {
        let total: usize = trained.iter().map(|t| self.clients[t.client].examples).sum();
        let weight = |t: &Trained| self.clients[t.client].examples as f64 / total.max(1) as f64;
        let name = |t: &Trained| WorkerId::from(self.clients[t.client].worker.id());
        match self.config.aggregation {
            Aggregation::Plain => {
                let fetched = join_all(trained.iter().map(fetch_model)).await;
                let mut parameters: Option<Vec<Tensor>> = None;
                let mut client_losses = Vec::new();
                let mut client_models = Vec::new();
                for (k, (t, fetched)) in trained.iter().zip(fetched).enumerate() {
                    let (model, loss) = fetched?;
                    client_losses.push((name(t), loss));
                    let scaled = model.iter().map(|p| p.mul(weight(t))).collect::<Result<Vec<_>>>()?;
                    parameters = Some(add_parameterwise(parameters, scaled, |a, b| a.add(b))?);
                    client_models.push((k, model));
                }
                let count = trained.len();
                Ok(Aggregated {
                    parameters: parameters.unwrap_or_default(),
                    client_losses,
                    received: format!("{count} client model{} and {}", plural(count), losses(count)),
                    client_models,
                })
            }
            Aggregation::UntrustedServer => {
                let server = self.server()?;
                let moved = join_all(trained.iter().map(|t| async move {
                    let mut on_server = Vec::new();
                    for parameter in &t.parameters {
                        on_server.push(parameter.mul(weight(t))?.move_to(server).await?);
                    }
                    let loss = t.loss.get().await?.item()?;
                    Ok::<_, Error>((on_server, loss))
                }))
                .await;
                let mut sums: Option<Vec<Pointer>> = None;
                let mut client_losses = Vec::new();
                for (t, moved) in trained.iter().zip(moved) {
                    let (on_server, loss) = moved?;
                    client_losses.push((name(t), loss));
                    sums = Some(add_parameterwise(sums, on_server, |a, b| a.add(b))?);
                }
                let sums = sums.unwrap_or_default();
                let parameters = server.syft().get_many(&sums.iter().collect::<Vec<_>>()).await?;
                let count = client_losses.len();
                Ok(Aggregated {
                    parameters,
                    client_losses,
                    received: format!("the average from {} and {}", server.id(), losses(count)),
                    client_models: Vec::new(),
                })
            }
            Aggregation::Secure => {
                let server = self.server()?;
                let mut committee: Vec<&WorkerHandle> = vec![server];
                committee.extend(trained.iter().take(2).map(|t| &self.clients[t.client].worker));
                let scaled: Vec<Pointer> = trained
                    .iter()
                    .flat_map(|t| t.parameters.iter().map(move |p| p.mul(weight(t))))
                    .collect::<Result<_>>()?;
                let shared = SharedTensor::from_workers(
                    &scaled.iter().collect::<Vec<_>>(),
                    Some(SECURE_AGGREGATION_SCALE),
                    &committee,
                    None,
                )
                .await?;
                let per_client = self.model.parameters().len().max(1);
                let mut groups: Vec<Vec<SharedTensor>> = (0..per_client).map(|_| Vec::new()).collect();
                for (i, share) in shared.into_iter().enumerate() {
                    groups[i % per_client].push(share);
                }
                let mut parameters = Vec::new();
                for group in groups {
                    let mut group = group.into_iter();
                    let first = group
                        .next()
                        .ok_or_else(|| Error::Empty { what: "secure aggregation".into(), item: "client".into() })?;
                    let total = group.try_fold(first, |so_far, share| so_far.add(&share))?;
                    parameters.push(total.get().await?);
                }
                let holders: Vec<&str> = committee.iter().map(|w| w.id()).collect();
                Ok(Aggregated {
                    parameters,
                    client_losses: Vec::new(),
                    received: format!("shares of the sum from {}", holders.join(", ")),
                    client_models: Vec::new(),
                })
            }
            Aggregation::DifferentialPrivacy { clip, noise } => {
                let server = self.server()?;
                // Each parameter's update is clipped to S/√k, so the update as a whole has norm at
                // most S: the sensitivity the noise is calibrated to.
                let per_parameter = clip / (self.model.parameters().len().max(1) as f64).sqrt();
                let moved = join_all(trained.iter().map(|t| async move {
                    let mut on_server = Vec::new();
                    for (trained, start) in t.parameters.iter().zip(&t.start) {
                        let update = trained.sub(start)?.clip_norm(per_parameter)?;
                        on_server.push(update.move_to(server).await?);
                    }
                    Ok::<_, Error>(on_server)
                }))
                .await;
                let mut sums: Option<Vec<Pointer>> = None;
                for moved in moved {
                    let on_server = moved?;
                    sums = Some(add_parameterwise(sums, on_server, |a, b| a.add(b))?);
                }
                let count = trained.len() as f64;
                let noisy = sums
                    .unwrap_or_default()
                    .iter()
                    .map(|sum| sum.gaussian_noise(noise * clip)?.div(count))
                    .collect::<Result<Vec<_>>>()?;
                let updates = server.syft().get_many(&noisy.iter().collect::<Vec<_>>()).await?;
                let parameters = self
                    .model
                    .parameters()
                    .iter()
                    .zip(&updates)
                    .map(|(global, update)| global.detach().add(update))
                    .collect::<Result<_>>()?;
                Ok(Aggregated {
                    parameters,
                    client_losses: Vec::new(),
                    received: format!("the noisy mean update from {}", server.id()),
                    client_models: Vec::new(),
                })
            }
        }
    }
}

/// `sum + next`, parameter by parameter (the first client's parameters start the sum).
fn add_parameterwise<T>(sum: Option<Vec<T>>, next: Vec<T>, add: impl Fn(&T, &T) -> Result<T>) -> Result<Vec<T>> {
    match sum {
        None => Ok(next),
        Some(sum) => sum.iter().zip(&next).map(|(a, b)| add(a, b)).collect(),
    }
}

/// A client's trained model and last loss, in one message each way.
async fn fetch_model(trained: &Trained) -> Result<(Vec<Tensor>, f64)> {
    let mut pointers: Vec<&Pointer> = trained.parameters.iter().collect();
    pointers.push(&trained.loss);
    let syft = trained.loss.location().syft().clone();
    let mut fetched = syft.get_many(&pointers).await?;
    let loss = fetched.pop().ok_or_else(|| Error::internal("a model came back without its loss"))?;
    Ok((fetched.iter().map(Tensor::detach).collect(), loss.item()?))
}

fn losses(count: usize) -> &'static str {
    if count == 1 {
        "loss"
    } else {
        "losses"
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}
