//! The `f32` matrix product (`mm`, and its two products in backward).
//!
//! On wasm32 with SIMD128, a product whose every side is at least `OWN_KERNEL_FROM` (64) goes
//! through our own kernel; the rest, and every product elsewhere, through ndarray's `dot`
//! (matrixmultiply, which natively has AVX and FMA kernels). matrixmultiply's wasm kernel keeps an
//! 8×8 block of the product in sixteen `v128` accumulators, and with the two rows of B and the
//! broadcast value of A that is more than the sixteen vector registers the browser's compiler has
//! on x86-64: it spills in its innermost loop. Ours keeps a 4×8 block (eight accumulators), as
//! XNNPACK's wasm kernels (TensorFlow.js's) do, and reads A and B from packed copies: B in panels of
//! eight columns, A in blocks of four rows, each laid out in the order the kernel reads them.
//! Packing and partly filled blocks cost more than they save when a side is small: the digits
//! model's products (a side of 10 or 32) stay with matrixmultiply (docs/performance.md has both
//! measured, shape by shape).
//!
//! Every element of our product is summed in `k`'s order, one multiply and one add at a time
//! (SIMD128 has no fused multiply-add), exactly as the plain triple loop sums it: a block of `k`
//! continues from the sums the previous block left. `tests/tensor.rs` checks ragged sizes and
//! transposed operands against that loop.

use ndarray::{Array2, ArrayView2};

use crate::error::Result;

/// The smallest side (rows of A, its columns, columns of B) for which our kernel is used.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
const OWN_KERNEL_FROM: usize = 64;

/// `a · b`; `a.ncols() == b.nrows()` (the caller checked the shapes and the work's limit).
pub(crate) fn matmul(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Result<Array2<f32>> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if a.nrows().min(a.ncols()).min(b.ncols()) >= OWN_KERNEL_FROM {
        return simd::matmul(a, b);
    }
    Ok(a.dot(&b))
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat, v128};
    use core::ops::Range;

    use ndarray::{s, Array2, ArrayView2};

    use crate::error::{Error, Result};

    /// Rows of the product one kernel call computes.
    const ROWS: usize = 4;
    /// Columns of the product one kernel call computes: two `v128`.
    const COLUMNS: usize = 8;
    /// The `k` of one block: a packed panel of B (`DEPTH` × 8 floats, 8 KiB) stays in L1 while
    /// every block of A's rows passes it.
    const DEPTH: usize = 256;

    pub(super) fn matmul(a: ArrayView2<f32>, b: ArrayView2<f32>) -> Result<Array2<f32>> {
        let (n, k, m) = (a.nrows(), a.ncols(), b.ncols());
        let mut product = vec![0.0; n * m];
        let (row_blocks, panels) = (n.div_ceil(ROWS), m.div_ceil(COLUMNS));
        let mut packed_a = vec![[0.0; ROWS]; row_blocks * DEPTH.min(k)];
        let mut packed_b = vec![[0.0; COLUMNS]; panels * DEPTH.min(k)];
        for k0 in (0..k).step_by(DEPTH) {
            let depth = DEPTH.min(k - k0);
            pack_b(&mut packed_b[..panels * depth], b.slice(s![k0..k0 + depth, ..]));
            pack_a(&mut packed_a[..row_blocks * depth], a.slice(s![.., k0..k0 + depth]));
            for (panel, b_panel) in packed_b.chunks_exact(depth).take(panels).enumerate() {
                let columns = (panel * COLUMNS)..m.min((panel + 1) * COLUMNS);
                for (block, a_block) in packed_a.chunks_exact(depth).take(row_blocks).enumerate() {
                    let rows = (block * ROWS)..n.min((block + 1) * ROWS);
                    let mut tile = [[0.0; COLUMNS]; ROWS];
                    if k0 > 0 {
                        load_tile(&mut tile, &product, m, rows.clone(), columns.clone());
                    }
                    kernel(a_block, b_panel, &mut tile);
                    store_tile(&tile, &mut product, m, rows, columns.clone());
                }
            }
        }
        Array2::from_shape_vec((n, m), product).map_err(|e| Error::internal(e.to_string()))
    }

    /// The sums so far under a tile: the product's `rows` × `columns` (at most 4 × 8; a whole row
    /// of eight is one fixed-size copy, which the compiler turns into two vector loads).
    fn load_tile(
        tile: &mut [[f32; COLUMNS]; ROWS],
        product: &[f32],
        m: usize,
        rows: Range<usize>,
        columns: Range<usize>,
    ) {
        for (tile_row, i) in tile.iter_mut().zip(rows) {
            let sums = &product[i * m + columns.start..i * m + columns.end];
            match <[f32; COLUMNS]>::try_from(sums) {
                Ok(whole) => *tile_row = whole,
                Err(_) => tile_row[..sums.len()].copy_from_slice(sums),
            }
        }
    }

    /// A tile back into the product's `rows` × `columns`.
    fn store_tile(
        tile: &[[f32; COLUMNS]; ROWS],
        product: &mut [f32],
        m: usize,
        rows: Range<usize>,
        columns: Range<usize>,
    ) {
        for (tile_row, i) in tile.iter().zip(rows) {
            let sums = &mut product[i * m + columns.start..i * m + columns.end];
            match <&mut [f32; COLUMNS]>::try_from(&mut *sums) {
                Ok(whole) => *whole = *tile_row,
                Err(_) => {
                    let len = sums.len();
                    sums.copy_from_slice(&tile_row[..len]);
                }
            }
        }
    }

    /// B's rows in panels of eight columns, panel after panel, the last padded with zeros:
    /// `packed[panel * depth + l][j] = b[l, panel * 8 + j]`.
    fn pack_b(packed: &mut [[f32; COLUMNS]], b: ArrayView2<f32>) {
        let depth = b.nrows();
        for (l, row) in b.rows().into_iter().enumerate() {
            match row.as_slice() {
                Some(row) => {
                    for (panel, values) in row.chunks(COLUMNS).enumerate() {
                        packed[panel * depth + l][..values.len()].copy_from_slice(values);
                    }
                }
                None => {
                    for (j, value) in row.iter().enumerate() {
                        packed[(j / COLUMNS) * depth + l][j % COLUMNS] = *value;
                    }
                }
            }
        }
    }

    /// A's columns in blocks of four rows, block after block, the last padded with zeros:
    /// `packed[block * depth + l][i] = a[block * 4 + i, l]`.
    fn pack_a(packed: &mut [[f32; ROWS]], a: ArrayView2<f32>) {
        let depth = a.ncols();
        for (block, run) in packed.chunks_exact_mut(depth).enumerate() {
            for i in 0..ROWS {
                let row = block * ROWS + i;
                if row < a.nrows() {
                    run.iter_mut().zip(a.row(row)).for_each(|(lanes, value)| lanes[i] = *value);
                } else {
                    run.iter_mut().for_each(|lanes| lanes[i] = 0.0);
                }
            }
        }
    }

    /// `tile += a_block · b_panel`: for each `l`, four values of A (one per row) times eight of B,
    /// four `l` a turn (each turn of a loop in the browser costs a bounds test and an interrupt
    /// check: four a turn measured 1.2–1.5× faster than two at n = 256 and 512, eight no better).
    fn kernel(a_block: &[[f32; ROWS]], b_panel: &[[f32; COLUMNS]], tile: &mut [[f32; COLUMNS]; ROWS]) {
        let mut sums: [v128; 2 * ROWS] = bytemuck::cast(*tile);
        let ((a_fours, a_last), (b_fours, b_last)) = (a_block.as_chunks::<4>(), b_panel.as_chunks::<4>());
        for ([a0, a1, a2, a3], [b0, b1, b2, b3]) in a_fours.iter().zip(b_fours) {
            step(&mut sums, a0, b0);
            step(&mut sums, a1, b1);
            step(&mut sums, a2, b2);
            step(&mut sums, a3, b3);
        }
        for (a, b) in a_last.iter().zip(b_last) {
            step(&mut sums, a, b);
        }
        *tile = bytemuck::cast(sums);
    }

    /// `sums += a ⊗ b` for one `l`: row `i`'s eight sums are `sums[2i]` and `sums[2i + 1]`.
    /// Written out lane by lane, inlined: the page's build is optimised for size, which unrolls
    /// nothing.
    #[inline(always)]
    fn step(sums: &mut [v128; 2 * ROWS], a: &[f32; ROWS], b: &[f32; COLUMNS]) {
        let [b0, b1]: [v128; 2] = bytemuck::cast(*b);
        let a0 = f32x4_splat(a[0]);
        sums[0] = f32x4_add(sums[0], f32x4_mul(a0, b0));
        sums[1] = f32x4_add(sums[1], f32x4_mul(a0, b1));
        let a1 = f32x4_splat(a[1]);
        sums[2] = f32x4_add(sums[2], f32x4_mul(a1, b0));
        sums[3] = f32x4_add(sums[3], f32x4_mul(a1, b1));
        let a2 = f32x4_splat(a[2]);
        sums[4] = f32x4_add(sums[4], f32x4_mul(a2, b0));
        sums[5] = f32x4_add(sums[5], f32x4_mul(a2, b1));
        let a3 = f32x4_splat(a[3]);
        sums[6] = f32x4_add(sums[6], f32x4_mul(a3, b0));
        sums[7] = f32x4_add(sums[7], f32x4_mul(a3, b1));
    }
}
