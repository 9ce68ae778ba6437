//! PySyft's next lesson after the seed: secret sharing and fixed precision. The shares each worker
//! holds look random; only their sum means anything.

use super::{step, Lesson, Value};
use crate::tensor::Tensor;

pub(super) fn lessons() -> Vec<Lesson> {
    vec![Lesson {
        slug: "secret_sharing",
        title: "Next Lesson: Secret Sharing and Fixed Precision",
        steps: vec![
            step!("Sharing", "x = th.tensor([1,2,3,4,5]).share(bob, alice, secure_worker)\nbob._objects", |s| {
                let (bob, alice, secure_worker) = (s.worker("bob")?, s.worker("alice")?, s.worker("secure_worker")?);
                bob.clear_objects().await?.add_worker(&alice)?;
                let x = Tensor::from([1, 2, 3, 4, 5]).share(&[&bob, &alice, &secure_worker])?;
                s.set("x", Value::Shared(Box::new(x)));
                s.objects("bob").await
            }),
            step!("Adding shares", "y = x + x\ny.get()", |s| {
                let y = s.shared("x")?.add(s.shared("x")?)?;
                Ok(y.get().await?.to_string())
            }),
            step!("Fixed precision", "x = th.tensor([0.1, 0.2, 0.3]).fix_prec()\nx\n(x + x).float_prec()", |_s| {
                let x = Tensor::from([0.1, 0.2, 0.3]).fix_prec()?;
                Ok(format!("{x}\n{}", x.add(&x)?.float_prec()?))
            }),
            step!("Multiplying shares", "x = th.tensor([0.1, 0.2, 0.3]).fix_prec().share(bob, alice, crypto_provider=secure_worker)\n(x * x).get().float_prec()", |s| {
                let (bob, alice, secure_worker) = (s.worker("bob")?, s.worker("alice")?, s.worker("secure_worker")?);
                let x = Tensor::from([0.1, 0.2, 0.3]).fix_prec()?.share_with_provider(&[&bob, &alice], &secure_worker)?;
                let squared = x.mul(&x).await?.get().await?;
                s.set("x", Value::Shared(Box::new(x)));
                Ok(squared.to_string())
            }),
        ],
    }]
}
