//! Every size a message controls has a limit, and they are all here. A message that would pass one
//! gets [`Error::LimitExceeded`](crate::Error::LimitExceeded) naming it, and nothing else changes.
//! The numbers are generous for the lesson (whose tensors have a handful of elements) and small
//! enough that a worker in a browser tab survives any message.

/// Elements in one tensor (64 MiB of `f32`).
pub const MAX_TENSOR_ELEMENTS: usize = 1 << 24;
/// Dimensions of one tensor (PyTorch allows 64; printing recurses once per dimension).
pub const MAX_RANK: usize = 32;
/// Multiply-adds of one `mm` (about a quarter of a second in a browser).
pub const MAX_MM_WORK: u64 = 1 << 28;
/// Elements one tensor keeps alive through its autograd history, itself included.
pub const MAX_GRAPH_ELEMENTS: u64 = 1 << 26;
/// Objects in one worker's store.
pub const MAX_STORE_OBJECTS: usize = 100_000;
/// Elements in one worker's store, histories included.
pub const MAX_STORE_ELEMENTS: u64 = 1 << 26;
/// Requests a worker has forwarded along pointer chains and still waits on.
pub const MAX_WAITING_REQUESTS: usize = 10_000;
/// Workers an op or a query may be forwarded through: longer means a pointer cycle.
pub const MAX_CHAIN_HOPS: u8 = 32;
/// Parties an object may be delegated to.
pub const MAX_DELEGATES: usize = 64;
/// Bytes of a worker's name.
pub const MAX_NAME_BYTES: usize = 64;
/// Steps of one plan, and registers it may use.
pub const MAX_PLAN_STEPS: usize = 4096;
pub const MAX_PLAN_REGISTERS: usize = 4096;
/// Steps one run of a plan may take, loops unrolled.
pub const MAX_PLAN_RUN_STEPS: u64 = 1_000_000;
/// Elements one run of a plan may touch: every step's inputs and result (an `mm` its multiply-adds,
/// a `backward` its whole history). About half a second in a browser.
pub const MAX_PLAN_RUN_ELEMENTS: u64 = 1 << 29;
/// Objects one peer may keep in another worker's store (`me`, who created the worker, has the whole
/// store); a peer cannot crowd out the others.
pub const MAX_OBJECTS_PER_PEER: usize = 10_000;
/// Elements one peer may keep in another worker's store, histories included.
pub const MAX_ELEMENTS_PER_PEER: u64 = 1 << 24;
/// Elements of one Beaver triple's shares, every part for every holder together (what one
/// request may make a crypto provider draw and send).
pub const MAX_TRIPLE_ELEMENTS: u64 = 1 << 22;
/// Bytes of one message frame on the wire (a batch of envelopes with their tensors' values).
pub const MAX_MESSAGE_BYTES: usize = 1 << 28;
/// Envelopes in one batch posted to a Web Worker.
pub const MAX_BATCH: usize = 100_000;

/// `shape`'s element count, if it has a sane rank and at most [`MAX_TENSOR_ELEMENTS`] elements.
pub fn checked_elements(shape: &[usize]) -> crate::Result<usize> {
    if shape.len() > MAX_RANK {
        return Err(exceeded("dimensions of a tensor", MAX_RANK as u64, shape.len() as u64));
    }
    // Zero-sized dimensions are left out of the bound: `[0, 2^62]` has no elements, but ndarray (and
    // every kernel's index arithmetic) still multiplies the other sizes.
    let mut bound: u64 = 1;
    for &size in shape {
        bound = bound.saturating_mul(size.max(1) as u64);
    }
    if bound > MAX_TENSOR_ELEMENTS as u64 {
        return Err(exceeded("elements of a tensor", MAX_TENSOR_ELEMENTS as u64, bound));
    }
    Ok(shape.iter().product())
}

pub(crate) fn exceeded(what: &str, limit: u64, got: u64) -> crate::Error {
    crate::Error::LimitExceeded { what: what.to_owned(), limit, got }
}
