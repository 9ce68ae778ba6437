//! A Flower node's life over the Fleet API, for any transport: register and activate, beat,
//! pull and serve messages, and leave when told to stop. What goes wrong becomes a [`Problem`]
//! with what to do about it; a SuperLink that is down, restarting or busy is retried with
//! backoff, and a message the node cannot serve is logged and skipped (the ServerApp's strategy
//! counts it as a failure of this node, as Flower does). Nothing here waits without an end: every
//! pause is `sleep`'s, and `stop` is asked between any two calls.

use super::fleet::{self, Request};
use super::node::{handle, Trainer};
use super::replies::NodeState;
use crate::error::Error;

/// Seconds between heartbeats the SuperLink is told to expect: Flower's default. A node is offline
/// after 2 × 30 s without one — long enough for a message served between two beats (pulling its
/// objects waits at most 30 s) and for a hidden tab whose timers the browser slows; a tab that
/// closes says goodbye at once (the page's `pagehide`), so only a crash waits the full minute.
pub const HEARTBEAT_INTERVAL: f64 = 30.0;
/// Flower's own nodes beat at 0.8 of the interval.
const BEAT_EVERY: f64 = 0.8 * HEARTBEAT_INTERVAL;
/// Seconds between pulls when no message is waiting.
const POLL_EVERY: f64 = 0.5;
/// Seconds to wait before each retry after a failed connection, the last one repeating.
const BACKOFF: [f64; 6] = [1.0, 2.0, 4.0, 8.0, 16.0, 30.0];

/// What went wrong, said for the page, and whether the node tries again by itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub error: String,
    pub advice: &'static str,
    pub retried: bool,
}

const NOT_RUNNING: &str = "Is the SuperLink running? `make federation` starts one with this page. \
     On another machine: check the address, and that the page's server passes /v1/fleet/ on to the SuperLink \
     (an address on another origin must also allow this page by CORS).";

/// Reads an error as a problem with what to do.
pub fn diagnose(error: &Error) -> Problem {
    let (advice, retried) = match error {
        Error::FleetUnreachable { .. } => (NOT_RUNNING, true),
        Error::FleetStatus { status: 502..=504, .. } => (NOT_RUNNING, true),
        Error::FleetStatus { status: 401, .. } => (
            "The SuperLink refused this node: it does not know its key (it restarted? joining again), or the \
             signature's time is off — this computer's clock may be at most 5 s ahead of the SuperLink's.",
            true,
        ),
        Error::FleetStatus { status: 403, .. } => {
            ("The SuperLink refused the call: the run it belongs to is not running (any more).", true)
        }
        Error::FleetStatus { status: 404 | 405 | 501, .. } => (
            "Nothing answers the Fleet API here: the page's server must pass /v1/fleet/ on to the \
             SuperLink (`make federation` does; behind another server, see docs/flower.md for the proxy line).",
            false,
        ),
        Error::FleetStatus { status: 400 | 415 | 422, .. } => (
            "This is not the Fleet API this page speaks (flwr 1.42.0): run the SuperLink from the \
             pinned virtualenv (`make federation`).",
            false,
        ),
        Error::FleetStatus { status: 412 | 409, .. } => {
            ("The SuperLink still holds this node from before: trying again with the same key.", true)
        }
        Error::FleetStatus { .. } => ("The SuperLink failed on this call; its log says why.", true),
        Error::Flower { what, .. } if what == "key" || what == "signature" => (
            "This browser could not make or use the tab's key (WebCrypto, ECDSA P-384): open the page over \
             https or on localhost, in a current browser.",
            false,
        ),
        Error::Flower { what, .. } if what == "heartbeat" => {
            ("The SuperLink marked this node offline (beats came too late, or it restarted): joining again.", true)
        }
        Error::Flower { .. } | Error::MalformedMessage { .. } => (
            "A reply this page cannot read: the SuperLink is not flwr 1.42.0, or something between \
             them changed the bytes.",
            false,
        ),
        Error::InvalidSetting { .. } => ("Change the setting and connect again.", false),
        _ => ("This tab's worker failed; reload the page.", false),
    };
    Problem { error: error.to_string(), advice, retried }
}

/// Where the node is.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Connecting,
    /// Activated as `node_id`, waiting for the ServerApp's messages.
    Waiting {
        node_id: u64,
    },
    /// Serving a `train` or `evaluate` message of a round.
    Working {
        node_id: u64,
        message_type: String,
        round: String,
    },
    /// A failure; the next attempt in `seconds`.
    Retrying {
        attempt: usize,
        seconds: f64,
        problem: Problem,
    },
    Stopped,
    /// A failure retrying cannot mend.
    Failed(Problem),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Received,
    Sent,
    /// Something the node did or met that moved nothing.
    Note,
}

/// One line of the node's log: a Flower message in or out with its size, or a note.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    pub direction: Direction,
    pub what: String,
    pub bytes: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Status(Status),
    Log(LogEntry),
}

/// What the node asks of its surroundings besides the Fleet calls.
pub struct Surroundings<'a> {
    /// Seconds since 1970.
    pub now: &'a dyn Fn() -> f64,
    /// True once the node should leave.
    pub stop: &'a dyn Fn() -> bool,
    pub report: &'a dyn Fn(Event),
}

impl Surroundings<'_> {
    fn log(&self, direction: Direction, what: String, bytes: usize) {
        (self.report)(Event::Log(LogEntry { direction, what, bytes }));
    }
}

/// Runs a node with the key whose public half is `public_key_pem` until `stop` says so or a
/// failure that retrying cannot mend; leaves the SuperLink (deactivate, unregister) on the way out.
pub async fn run<Call, Reply, Sleep, Slept, T>(
    call: Call,
    sleep: Sleep,
    public_key_pem: &[u8],
    trainer: &mut T,
    around: &Surroundings<'_>,
) -> Result<(), Problem>
where
    Call: Fn(Request) -> Reply,
    Reply: std::future::Future<Output = crate::Result<Vec<u8>>>,
    Sleep: Fn(f64) -> Slept,
    Slept: std::future::Future<Output = ()>,
    T: Trainer,
{
    let mut node: Option<u64> = None;
    let mut registered = false;
    // SecAgg+'s keys and shares, kept between its stages across reconnections: a transient
    // failure between two stages (a 502 from the proxy, say) must not lose them mid-round.
    let mut state = NodeState::default();
    // Failed attempts in a row; only a pull that worked starts the backoff over.
    let mut attempt = 0;
    let outcome = loop {
        if (around.stop)() {
            break Ok(());
        }
        (around.report)(Event::Status(Status::Connecting));
        let served = match connect(&call, public_key_pem, node, &mut registered, around).await {
            Ok(node_id) => {
                node = Some(node_id);
                serve(&call, &sleep, node_id, trainer, &mut state, &mut attempt, around).await
            }
            Err(error) => Err(error),
        };
        let error = match served {
            Ok(()) => break Ok(()),
            Err(error) => error,
        };
        let problem = diagnose(&error);
        around.log(Direction::Note, problem.error.clone(), 0);
        if !problem.retried {
            break Err(problem);
        }
        let seconds = BACKOFF[attempt.min(BACKOFF.len() - 1)];
        attempt += 1;
        (around.report)(Event::Status(Status::Retrying { attempt, seconds, problem }));
        let until = (around.now)() + seconds;
        while (around.now)() < until && !(around.stop)() {
            sleep(0.25).await;
        }
    };
    if let Some(node_id) = node {
        // Best effort: a SuperLink that is gone has nothing to leave.
        let left = call(Request::DeactivateNode { node_id }).await.is_ok()
            && call(Request::UnregisterNode { node_id }).await.is_ok();
        if left {
            around.log(Direction::Note, format!("node {node_id} left the SuperLink"), 0);
        }
    }
    match outcome {
        Ok(()) => {
            (around.report)(Event::Status(Status::Stopped));
            Ok(())
        }
        Err(problem) => {
            (around.report)(Event::Status(Status::Failed(problem.clone())));
            Err(problem)
        }
    }
}

/// The node's id: the known one while the SuperLink still has it online, else a new activation
/// (registering first unless this key already is).
async fn connect<Call, Reply>(
    call: &Call,
    public_key_pem: &[u8],
    known: Option<u64>,
    registered: &mut bool,
    around: &Surroundings<'_>,
) -> crate::Result<u64>
where
    Call: Fn(Request) -> Reply,
    Reply: std::future::Future<Output = crate::Result<Vec<u8>>>,
{
    if let Some(node_id) = known {
        let beat = call(Request::Heartbeat { node_id, heartbeat_interval: HEARTBEAT_INTERVAL }).await;
        if beat.and_then(|r| fleet::flag(&r)).unwrap_or(false) {
            return Ok(node_id);
        }
    }
    if !*registered {
        match call(Request::RegisterNode { public_key_pem: public_key_pem.to_vec() }).await {
            Ok(_) => around.log(Direction::Note, "registered this tab's public key".into(), 0),
            // The key is registered already (an answer lost on the way): go on to activate.
            Err(Error::FleetStatus { status: 412 | 409, .. }) => {}
            Err(error) => return Err(error),
        }
        *registered = true;
    }
    let request =
        Request::ActivateNode { public_key_pem: public_key_pem.to_vec(), heartbeat_interval: HEARTBEAT_INTERVAL };
    let node_id = fleet::node_id(&call(request).await?)?;
    if node_id == 0 {
        return Err(super::error("activate-node", "the SuperLink answered without a node id"));
    }
    around.log(Direction::Note, format!("activated as node {node_id}"), 0);
    Ok(node_id)
}

/// Beats, pulls and serves until `stop`; an error that is not one message's own ends it.
async fn serve<Call, Reply, Sleep, Slept, T>(
    call: &Call,
    sleep: &Sleep,
    node_id: u64,
    trainer: &mut T,
    state: &mut NodeState,
    attempt: &mut usize,
    around: &Surroundings<'_>,
) -> crate::Result<()>
where
    Call: Fn(Request) -> Reply,
    Reply: std::future::Future<Output = crate::Result<Vec<u8>>>,
    Sleep: Fn(f64) -> Slept,
    Slept: std::future::Future<Output = ()>,
    T: Trainer,
{
    let waiting = || (around.report)(Event::Status(Status::Waiting { node_id }));
    waiting();
    let mut last_beat = (around.now)();
    loop {
        if (around.stop)() {
            return Ok(());
        }
        if (around.now)() - last_beat >= BEAT_EVERY {
            let answer = call(Request::Heartbeat { node_id, heartbeat_interval: HEARTBEAT_INTERVAL }).await?;
            if !fleet::flag(&answer)? {
                return Err(super::error("heartbeat", format!("the SuperLink refused node {node_id}'s heartbeat")));
            }
            last_beat = (around.now)();
        }
        let pulled = fleet::pulled_messages(&call(Request::PullMessages { node_id }).await?)?;
        *attempt = 0;
        if pulled.is_empty() {
            sleep(POLL_EVERY).await;
            continue;
        }
        for message in &pulled {
            let (message_type, round) = (message.metadata.message_type.clone(), message.metadata.group_id.clone());
            (around.report)(Event::Status(Status::Working { node_id, message_type: message_type.clone(), round }));
            match handle(call, || sleep(0.1), node_id, message, trainer, state, around.now).await {
                Ok(done) => {
                    let round = &done.round;
                    let stage = done.stage.map(|s| format!(" (SecAgg+ {})", s.name())).unwrap_or_default();
                    around.log(
                        Direction::Received,
                        format!(
                            "{} message{stage}{}",
                            done.message_type,
                            if round.is_empty() { String::new() } else { format!(", round {round}") }
                        ),
                        done.received_bytes,
                    );
                    let what = match &done.failure {
                        Some(failure) => format!("error reply: {failure}"),
                        None => format!("reply: {}", done.summary),
                    };
                    around.log(Direction::Sent, what, done.sent_bytes);
                }
                Err(error) if error.is_fleet_transport() => return Err(error),
                Err(error) => around.log(Direction::Note, format!("{message_type} message not served: {error}"), 0),
            }
        }
        waiting();
    }
}
