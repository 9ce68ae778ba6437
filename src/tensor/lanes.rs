//! Elementwise `f32` kernels over contiguous values, four lanes at a time on wasm32 with SIMD128.
//! The page's release build is optimised for size (`opt-level = "z"`), under which LLVM
//! vectorises no loop, so `add`, `mul`, `relu`, … would go one float at a time; these take four
//! at a time with the SIMD128 instructions themselves. Anywhere else (native builds, optimised for
//! speed) they are the plain loops, which LLVM vectorises on its own. Values move between slices
//! and `v128` through bytemuck (`wasm_simd`): no unsafe code here.
//!
//! The scalar form of each op is the caller's (`one`: the op's kernel from the list in
//! `op_list.rs`), for the tail past the last four and for builds without SIMD128; the lanes give
//! exactly what it gives (IEEE-754 lane by lane): `tests/tensor.rs` compares them at every length
//! around the lane width.

/// The lane instruction of each binary op (`storage.rs` maps every
/// [`BinaryOp`](super::BinaryOp) to one, exhaustively).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LaneOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::{f32x4_add, f32x4_div, f32x4_mul, f32x4_pmax, f32x4_splat, f32x4_sub, v128};

    use super::LaneOp;

    // The op is matched once, outside the loop: each arm is a loop of its own instruction. A match
    // per four floats inside one loop (LLVM under "z" leaves it there) made an `add` of 2^20
    // floats take 1.1 ms on the page's thread, 0.3 ms now (docs/performance.md).
    impl LaneOp {
        /// `out[i] = a[i] op b[i]`, the tail by `one`.
        pub(super) fn zip(self, out: &mut [f32], a: &[f32], b: &[f32], one: impl Fn(f32, f32) -> f32) {
            match self {
                LaneOp::Add => zip(out, a, b, |x, y| f32x4_add(x, y), one),
                LaneOp::Sub => zip(out, a, b, |x, y| f32x4_sub(x, y), one),
                LaneOp::Mul => zip(out, a, b, |x, y| f32x4_mul(x, y), one),
                LaneOp::Div => zip(out, a, b, |x, y| f32x4_div(x, y), one),
            }
        }

        /// `out[i] = a[i] op scalar`, or `scalar op a[i]` when `scalar_first`; the tail by `one`.
        pub(super) fn with_scalar(
            self,
            out: &mut [f32],
            a: &[f32],
            scalar: f32,
            scalar_first: bool,
            one: impl Fn(f32) -> f32,
        ) {
            let s = f32x4_splat(scalar);
            match (self, scalar_first) {
                (LaneOp::Add, false) => map(out, a, |x| f32x4_add(x, s), one),
                (LaneOp::Add, true) => map(out, a, |x| f32x4_add(s, x), one),
                (LaneOp::Sub, false) => map(out, a, |x| f32x4_sub(x, s), one),
                (LaneOp::Sub, true) => map(out, a, |x| f32x4_sub(s, x), one),
                (LaneOp::Mul, false) => map(out, a, |x| f32x4_mul(x, s), one),
                (LaneOp::Mul, true) => map(out, a, |x| f32x4_mul(s, x), one),
                (LaneOp::Div, false) => map(out, a, |x| f32x4_div(x, s), one),
                (LaneOp::Div, true) => map(out, a, |x| f32x4_div(s, x), one),
            }
        }
    }

    /// `out[i] = lanes(a[i], b[i])` four at a time, the tail by `one`. `a` and `b` have `out`'s length.
    fn zip(out: &mut [f32], a: &[f32], b: &[f32], lanes: impl Fn(v128, v128) -> v128, one: impl Fn(f32, f32) -> f32) {
        let (out4, out_tail) = out.as_chunks_mut::<4>();
        let ((a4, a_tail), (b4, b_tail)) = (a.as_chunks::<4>(), b.as_chunks::<4>());
        for ((out, a), b) in out4.iter_mut().zip(a4).zip(b4) {
            *out = bytemuck::cast(lanes(bytemuck::cast(*a), bytemuck::cast(*b)));
        }
        for ((out, a), b) in out_tail.iter_mut().zip(a_tail).zip(b_tail) {
            *out = one(*a, *b);
        }
    }

    /// `out[i] = lanes(a[i])` four at a time, the tail by `one`.
    pub(super) fn map(out: &mut [f32], a: &[f32], lanes: impl Fn(v128) -> v128, one: impl Fn(f32) -> f32) {
        let (out4, out_tail) = out.as_chunks_mut::<4>();
        let (a4, a_tail) = a.as_chunks::<4>();
        for (out, a) in out4.iter_mut().zip(a4) {
            *out = bytemuck::cast(lanes(bytemuck::cast(*a)));
        }
        for (out, a) in out_tail.iter_mut().zip(a_tail) {
            *out = one(*a);
        }
    }

    /// `x` where `x > 0`, else +0 (`pmax(0, x)` is `0 < x ? x : 0`): -0 and NaN give 0.
    pub(super) fn relu(x: v128) -> v128 {
        f32x4_pmax(f32x4_splat(0.0), x)
    }
}

/// `out[i] = a[i] op b[i]`, `one` being the op's scalar kernel; all three of one length.
fn zip_into(op: LaneOp, one: impl Fn(f32, f32) -> f32, out: &mut [f32], a: &[f32], b: &[f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    op.zip(out, a, b, one);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        let _ = op;
        for ((out, a), b) in out.iter_mut().zip(a).zip(b) {
            *out = one(*a, *b);
        }
    }
}

/// `out[i] = one(a[i])`, in builds without SIMD128.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn map_into(out: &mut [f32], a: &[f32], one: impl Fn(f32) -> f32) {
    for (out, a) in out.iter_mut().zip(a) {
        *out = one(*a);
    }
}

/// `a op b` for two runs of the same length.
pub(crate) fn binary(op: LaneOp, one: impl Fn(f32, f32) -> f32, a: &[f32], b: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0; a.len().min(b.len())];
    zip_into(op, one, &mut out, a, b);
    out
}

/// `a op b` where `b` repeats along `a` (a bias added to every row): `a.len()` is a multiple of
/// `b.len()`, which is not 0.
pub(crate) fn binary_repeating(op: LaneOp, one: impl Fn(f32, f32) -> f32, a: &[f32], b: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0; a.len()];
    for (out, a) in out.chunks_mut(b.len()).zip(a.chunks(b.len())) {
        zip_into(op, &one, out, a, b);
    }
    out
}

/// `a op scalar`, or `scalar op a` when `scalar_first`.
pub(crate) fn binary_scalar(
    op: LaneOp,
    one: impl Fn(f32, f32) -> f32,
    a: &[f32],
    scalar: f32,
    scalar_first: bool,
) -> Vec<f32> {
    let one = move |x: f32| if scalar_first { one(scalar, x) } else { one(x, scalar) };
    let mut out = vec![0.0; a.len()];
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    op.with_scalar(&mut out, a, scalar, scalar_first, one);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        let _ = op;
        map_into(&mut out, a, one);
    }
    out
}

/// ReLU of every element, `one` being its scalar kernel (`x` where `x > 0`, else 0).
pub(crate) fn relu(a: &[f32], one: impl Fn(f32) -> f32) -> Vec<f32> {
    let mut out = vec![0.0; a.len()];
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd::map(&mut out, a, simd::relu, one);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    map_into(&mut out, a, one);
    out
}
