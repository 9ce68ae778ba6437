//! Tensors on the wire: shape, dtype and autograd state in the serde form, the values beside it.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::tensor::{DType, Storage, Tensor};

/// The values of one tensor in a message, lent to a transport.
pub struct Payload<'a> {
    pub values: &'a mut Values,
}

/// A tensor's values, row-major.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    F32(Vec<f32>),
    I64(Vec<i64>),
}

impl Default for Values {
    fn default() -> Values {
        Values::F32(Vec::new())
    }
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::F32(v) => v.len(),
            Values::I64(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn byte_len(&self) -> usize {
        match self {
            Values::F32(v) => v.len() * 4,
            Values::I64(v) => v.len() * 8,
        }
    }
}

/// A tensor on the wire: shape, dtype, values and the leaf's autograd state. The values are not
/// part of the serde form: a transport carries them beside the message (the Web Worker transport
/// as transferred typed arrays, see
/// [`Envelope::payloads_mut`](crate::protocol::Envelope::payloads_mut)), so that no tensor is ever
/// encoded number by number.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct WireTensor {
    pub shape: Vec<usize>,
    pub dtype: DType,
    #[serde(skip)]
    pub values: Values,
    pub requires_grad: bool,
    /// The accumulated `.grad`: a float tensor of the same shape, so only its values travel. (Not a
    /// nested `WireTensor`: a message could then nest gradients a million deep.)
    pub grad: Option<WireGrad>,
}

/// The values of a tensor's gradient; its shape is the tensor's, its dtype `f32`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WireGrad {
    #[serde(skip)]
    pub values: Values,
}

impl std::fmt::Debug for WireTensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.to_tensor() {
            Ok(tensor) => write!(f, "{tensor}"),
            Err(error) => write!(f, "<bad tensor: {error}>"),
        }
    }
}

impl WireTensor {
    pub fn from_tensor(tensor: &Tensor) -> WireTensor {
        // A slice copy when the layout allows: iterating a dynamic-rank array element by element is slow.
        fn row_major<T: Copy>(a: &ndarray::ArrayD<T>) -> Vec<T> {
            a.as_slice().map_or_else(|| a.iter().copied().collect(), <[T]>::to_vec)
        }
        let values = tensor.with_storage(|storage| match storage {
            Storage::F32(a) => Values::F32(row_major(a)),
            Storage::I64(a) => Values::I64(row_major(a)),
        });
        WireTensor {
            shape: tensor.shape(),
            dtype: tensor.dtype(),
            values,
            requires_grad: tensor.requires_grad(),
            grad: tensor.grad().map(|g| WireGrad { values: Values::F32(g.to_f32_vec()) }),
        }
    }

    /// [`WireTensor::from_tensor`] of a tensor given up (a `get` removes it from the store): its
    /// values move into the message when nothing else holds them, instead of being copied.
    pub fn from_owned_tensor(tensor: Tensor) -> WireTensor {
        let (shape, dtype, requires_grad) = (tensor.shape(), tensor.dtype(), tensor.requires_grad());
        let grad = tensor.grad().map(|g| WireGrad { values: Values::F32(g.to_f32_vec()) });
        let values = match tensor.into_storage() {
            Ok(Storage::F32(a)) if a.is_standard_layout() => Values::F32(a.into_raw_vec_and_offset().0),
            Ok(Storage::I64(a)) if a.is_standard_layout() => Values::I64(a.into_raw_vec_and_offset().0),
            Ok(Storage::F32(a)) => Values::F32(a.iter().copied().collect()),
            Ok(Storage::I64(a)) => Values::I64(a.iter().copied().collect()),
            Err(shared) => return WireTensor::from_tensor(&shared),
        };
        WireTensor { shape, dtype, values, requires_grad, grad }
    }

    /// [`WireTensor::into_tensor`] of a copy.
    pub fn to_tensor(&self) -> Result<Tensor> {
        self.clone().into_tensor()
    }

    /// Rebuilds the tensor as a leaf (its history stays behind), checking that the values fit.
    pub fn into_tensor(self) -> Result<Tensor> {
        let count = crate::limits::checked_elements(&self.shape)?;
        let malformed = |what: &str| {
            Error::malformed(format!(
                "a {} tensor of shape {:?} needs {count} values, got {} {what}",
                self.dtype,
                self.shape,
                self.values.len()
            ))
        };
        let error = match (&self.values, self.dtype) {
            (values, _) if values.len() != count => Some(malformed("values")),
            (Values::F32(_), DType::Int64) => Some(malformed("floats")),
            (Values::I64(_), DType::Float32) => Some(malformed("integers")),
            _ => None,
        };
        if let Some(error) = error {
            return Err(error);
        }
        let tensor = match self.values {
            Values::F32(v) => Tensor::from_f32(&self.shape, v)?,
            Values::I64(v) => Tensor::from_i64(&self.shape, v)?,
        };
        tensor.set_requires_grad(self.requires_grad)?;
        match self.grad.map(|g| g.values) {
            None => {}
            Some(Values::F32(grad)) if grad.len() == count => {
                tensor.set_grad(Some(Tensor::from_f32(&self.shape, grad)?))
            }
            Some(other) => {
                return Err(Error::malformed(format!(
                    "the gradient of a tensor of shape {:?} needs {count} floats, got {} {}",
                    self.shape,
                    other.len(),
                    if matches!(other, Values::F32(_)) { "floats" } else { "integers" }
                )))
            }
        }
        Ok(tensor)
    }

    /// The values, then the gradient's, lent to a transport that carries them beside the message.
    pub fn payloads_mut(&mut self) -> Vec<Payload<'_>> {
        let WireTensor { values, grad, .. } = self;
        let mut out = vec![Payload { values }];
        if let Some(grad) = grad {
            out.push(Payload { values: &mut grad.values });
        }
        out
    }

    /// Bytes of tensor values carried, gradient included.
    pub fn payload_bytes(&self) -> usize {
        self.values.byte_len() + self.grad.as_ref().map_or(0, |g| g.values.byte_len())
    }
}
